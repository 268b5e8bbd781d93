"""Where a party can sit (DESIGN 7 "Host stand"): the choices the host stand and the table picker offer.

Two readers, one rule (`bookings.capacity`): the "Seat walk-in" control on the board asks which
tables are free *now* for a party (`seat_now_choices`), and the board's "Assign table" picker asks
which are free for an existing booking's time (`seat_choices_for`). Both list every free single
table that seats the party, best fit first (the smallest), then the joinable table groups, each
with its tables' names, sections and seats. A table too small for the party is never offered (the
service refuses it too); one that would leave two or more seats empty is marked `wasteful`, so the
host sees the cost before choosing it.

"Now" (DESIGN 5.2 seat-now): the start is the grid slot containing the current time in the
restaurant's timezone (before opening, the time itself, which the validator then refuses as outside
the hours); the booking type is the service period at that time, else by the hour. The window is
judged by the same rules as creation (`bookings.validation.judge`, ops channel), so a choice shown
here is accepted by `booking_seat_now` unless somebody takes it in between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bookings.capacity import Floor, Seat
from bookings.models import Booking
from bookings.schedule import clock, minutes
from bookings.snapshot import floor_for
from bookings.validation import Issue, judge, schedule_for
from restaurants.models import Restaurant, Table, TableGroup

# A choice that leaves this many seats (or more) empty is marked wasteful.
WASTEFUL_EMPTY_SEATS = 2


@dataclass(frozen=True)
class SeatChoice:
    """One single table or table group the party can be given, as the host reads it."""

    table_ids: tuple[int, ...]
    name: str  # "T4", or "Window pair (T1 + T2)"
    sections: tuple[str, ...]
    seats: int
    empty_seats: int
    is_group: bool

    @property
    def wasteful(self) -> bool:
        return self.empty_seats >= WASTEFUL_EMPTY_SEATS

    @property
    def value(self) -> str:
        """The choice as a form value: its table ids joined by "+"."""
        return "+".join(str(pk) for pk in self.table_ids)

    @property
    def label(self) -> str:
        parts = [self.name, " / ".join(self.sections), f"{self.seats} seats"]
        if self.wasteful:
            parts.append(f"wasteful: leaves {self.empty_seats} empty")
        return " · ".join(parts)


@dataclass(frozen=True)
class NowSlot:
    """The slot a walk-in seated now takes: its date, start and booking type."""

    day: dt.date
    start_time: dt.time
    booking_type: str


@dataclass(frozen=True)
class SeatNowChoices:
    slot: NowSlot
    party: int
    end_time: dt.time | None
    choices: list[SeatChoice]
    # Why nobody can be seated now whatever the table (closed, outside the hours), or [].
    issues: list[Issue]


def now_slot(*, restaurant: Restaurant, now: dt.datetime | None = None) -> NowSlot:
    """The grid slot containing `now` (the time itself before opening) and the booking type there."""
    local = (now or timezone.now()).astimezone(restaurant.tz)
    at = local.time().replace(second=0, microsecond=0, tzinfo=None)
    schedule = schedule_for(restaurant, local.date())
    start = schedule.slot_containing(at) or clock(minutes(at))
    return NowSlot(day=local.date(), start_time=start, booking_type=schedule.booking_type_at(at))


def parse_choice(value: str) -> list[int] | None:
    """A `SeatChoice.value` back to table ids; None when it is not one."""
    try:
        ids = [int(part) for part in value.split("+")]
    except ValueError:
        return None
    return ids if ids and all(pk > 0 for pk in ids) else None


def _choices(restaurant: Restaurant, seats: list[Seat], party: int) -> list[SeatChoice]:
    """The seats as the host reads them: names and sections (one query for the tables, one for
    the groups' names when there are groups)."""
    wanted = {pk for seat in seats for pk in seat.table_ids}
    tables = {t.pk: t for t in Table.objects.filter(restaurant=restaurant, pk__in=wanted)}
    group_ids = {seat.group_id for seat in seats if seat.group_id is not None}
    group_names = dict(TableGroup.objects.filter(pk__in=group_ids).values_list("pk", "name")) if group_ids else {}
    choices = []
    for seat in seats:
        members = sorted((tables[pk] for pk in seat.table_ids if pk in tables), key=lambda t: t.name)
        names = " + ".join(t.name for t in members)
        name = f"{group_names.get(seat.group_id, 'Group')} ({names})" if seat.group_id is not None else names
        choices.append(
            SeatChoice(
                table_ids=tuple(sorted(seat.table_ids)),
                name=name,
                sections=tuple(dict.fromkeys(t.get_section_display() for t in members)),
                seats=seat.max_seats,
                empty_seats=seat.max_seats - party,
                is_group=seat.group_id is not None,
            )
        )
    return choices


def seat_now_choices(*, restaurant: Restaurant, party: int, now: dt.datetime | None = None) -> SeatNowChoices:
    """The tables free now for `party`, for the whole duration from the current slot, best fit first."""
    slot = now_slot(restaurant=restaurant, now=now)
    schedule = schedule_for(restaurant, slot.day)
    verdict = judge(restaurant, schedule, slot.start_time, party, slot.booking_type, ops_channel=True)
    timing = [issue for issue in verdict.issues if issue.code != "CAPACITY_EXCEEDED"]
    if verdict.reasons:  # legacy mode's refusals, in words
        timing += [Issue(reason.upper(), reason.replace("_", " ").capitalize() + ".") for reason in verdict.reasons]
    if timing:
        return SeatNowChoices(slot=slot, party=party, end_time=None, choices=[], issues=timing)
    floor = floor_for(restaurant, verdict.start_at, verdict.end_at)
    seats = floor.seats_for(verdict.start_at, verdict.end_at, party)
    return SeatNowChoices(
        slot=slot,
        party=party,
        end_time=verdict.end_time,
        choices=_choices(restaurant, seats, party),
        issues=[],
    )


def best_seat_for(*, booking: Booking, floor: Floor | None = None) -> Seat | None:
    """The best free seat for an existing booking's window (it does not compete with itself)."""
    floor = floor or floor_for(booking.restaurant, booking.start_at, booking.end_at)
    free = floor.free_table_ids(booking.start_at, booking.end_at, exclude=booking.pk)
    return floor.best_seat(free, booking.party_size)


def seat_choices_for(*, booking: Booking) -> list[SeatChoice]:
    """Every free table and group that seats an existing booking's party at its time, best fit first."""
    floor = floor_for(booking.restaurant, booking.start_at, booking.end_at)
    seats = floor.seats_for(booking.start_at, booking.end_at, booking.party_size, exclude=booking.pk)
    return _choices(booking.restaurant, seats, booking.party_size)
