"""Which start times of a day a party can book (DESIGN 10): every grid slot with `available`.

The same rules as creation, never a copy: `bookings.validation.judge` on each start of the day's
schedule in the configured mode, with table capacity and, on the web, the restaurant's online
limits. A slot shown available is accepted by the creation pipeline unless somebody takes it in
between.

Cost: one query in unified mode (the day's schedule and the floor of the whole day,
`bookings.snapshot`), none in legacy mode, whatever the number of bookings; each slot is then
judged in memory.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from bookings.schedule import legacy_schedule, minutes
from bookings.snapshot import day_snapshot
from bookings.validation import LEGACY, current_mode, judge, local_instant, online_limit
from config.errors import InvalidPayload
from restaurants.models import Restaurant

# The floor read for a day covers bookings from its midnight to the next day's noon: every booking
# that can overlap a slot of the day (none lasts more than a few hours).
DAY_WINDOW = dt.timedelta(hours=36)


@dataclass(frozen=True)
class Slot:
    time: dt.time
    booking_type: str
    available: bool


def availability(
    *,
    restaurant: Restaurant,
    day: dt.date,
    party: int,
    booking_type: str | None = None,
    web: bool,
    exclude_booking_id: uuid.UUID | None = None,
) -> list[Slot]:
    """Every start on the restaurant's grid that day for `party` (an empty list on a closed day).

    `booking_type`: judge every slot as this type (else the type of the service period at the
    slot). `web`: the guests' channel, bound by the online limits; staff (`web=False`) get the ops
    rules, where the slot containing now is still bookable (DESIGN 5.5). `exclude_booking_id`: a
    booking being moved, which does not compete with itself.
    """
    if current_mode() == LEGACY:
        schedule, floor = legacy_schedule(restaurant, day), None
    else:
        midnight = local_instant(restaurant.tz, day, dt.time(0))
        snapshot = day_snapshot(restaurant, day, window=(midnight, midnight + DAY_WINDOW))
        assert snapshot.schedule is not None  # asked for: the day's own schedule
        schedule, floor = snapshot.schedule, snapshot.floor
    starts = schedule.starts()
    if not starts:
        return []
    slots = []
    for start in starts:
        kind = booking_type or schedule.booking_type_at(start)
        try:
            verdict = judge(
                restaurant,
                schedule,
                start,
                party,
                kind,
                ops_channel=not web,
                floor=floor,
                exclude_booking_id=exclude_booking_id,
            )
        except InvalidPayload:  # a time the clocks skip that day
            continue
        available = verdict.ok and not (web and online_limit(restaurant, verdict.start_at, party))
        slots.append(Slot(start, kind, available))
    return slots


def first_available(*, restaurant: Restaurant, now: dt.datetime, party: int = 2) -> tuple[dt.date, Slot] | None:
    """The first slot staff can book from `now`, today or else tomorrow: the walk-in form's default.

    On the ops channel the slot containing now counts (DESIGN 5.5), so a host seats a walk-in at
    18:07 in the 18:00 slot.
    """
    today = now.astimezone(restaurant.tz).date()
    for day in (today, today + dt.timedelta(days=1)):
        slots = availability(restaurant=restaurant, day=day, party=party, web=False)
        if slot := next((slot for slot in slots if slot.available), None):
            return day, slot
    return None


def nearest_available(slots: list[Slot], to: dt.time, count: int = 3) -> list[Slot]:
    """The available slots closest in time to `to` (a full slot's alternatives), in time order."""
    target = minutes(to)
    closest = sorted((s for s in slots if s.available), key=lambda s: (abs(minutes(s.time) - target), s.time))
    return sorted(closest[:count], key=lambda s: s.time)
