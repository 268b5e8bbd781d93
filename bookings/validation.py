"""The two validation modes of DESIGN 5.5, selected by `settings.BOOKING_VALIDATION_MODE`.

`validate_booking` turns a requested slot into the booking's UTC instants, end time and initial
status, or raises an ApplicationError with the mode's documented body:

- legacy: fixed windows (lunch 12:00-15:00, dinner 17:00-22:00), dining time by party size, a dinner
  must end by 21:55; failures are 422 `{"error": "Booking outside service policy", "reasons": [...]}`;
  new bookings are `pending`. `override` is ignored.
- unified: the restaurant's opening hours, service periods and slot grid (`bookings.schedule`),
  type-based duration, past-time grace and table capacity; failures are
  `{"error": "Booking validation failed", "issues": [...]}` (409 when capacity is the first issue,
  403 for a missing override right, 400 otherwise); new bookings are `pending_allocation`.

The domain knows no HTTP: the API layer adds the `X-Booking-Validation: unified` header to its
answers (`bookings.apis.ValidationModeHeaderMixin`).

Choices where DESIGN is silent: a start off the reservation grid (counted from opening time) is an
`OUTSIDE_HOURS` issue; a table "seats" a party when min_seats <= party <= max_seats; a host sending
`override.apply` is refused with `MISSING_OVERRIDE` whatever the other issues; an override by an
owner or manager is recorded even when no issue needed it (with an empty list of overridden issues).

Queries (unified): two. The day's schedule (`bookings.schedule`: opening hours, service periods and
turn times) and the floor (`bookings.capacity`: tables, groups and the overlapping bookings).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from bookings.capacity import Floor
from bookings.models import Booking
from bookings.schedule import LONGEST_STAY, DaySchedule, clock, legacy_schedule, minutes
from bookings.snapshot import DaySnapshot, day_schedule, day_snapshot, floor_for
from config.errors import ApplicationError, InvalidPayload
from restaurants.models import Restaurant

UNIFIED = "unified"
LEGACY = "legacy"

LEGACY_DINNER_LAST_END = dt.time(21, 55)  # 22:00 less the 5 minute buffer
OVERRIDABLE = frozenset({"PAST_TIME", "SERVICE_PERIOD", "OUTSIDE_HOURS", "CAPACITY_EXCEEDED"})


def current_mode() -> str:
    return settings.BOOKING_VALIDATION_MODE


def schedule_for(restaurant: Restaurant, day: dt.date) -> DaySchedule:
    """The day's schedule under the configured mode's rules."""
    return legacy_schedule(restaurant, day) if current_mode() == LEGACY else day_schedule(restaurant, day)


def booking_snapshot(
    restaurant: Restaurant, day: dt.date, start_at: dt.datetime, *, idempotency_key: str | None, guest_email: str
) -> DaySnapshot:
    """What validating a booking starting at `start_at` reads, in one query: in unified mode the day's
    schedule and the floor of every booking that can overlap it (none lasts longer than the longest
    turn time); legacy mode's schedule is fixed and it has no capacity. Plus the twin and the email's
    recent bookings the pipeline asks for."""
    legacy = current_mode() == LEGACY
    return day_snapshot(
        restaurant,
        day,
        schedule=legacy_schedule(restaurant, day) if legacy else None,
        window=None if legacy else (start_at, start_at + dt.timedelta(minutes=LONGEST_STAY)),
        idempotency_key=idempotency_key,
        guest_email=guest_email,
    )


@dataclass(frozen=True)
class Issue:
    code: str
    message: str

    @property
    def overridable(self) -> bool:
        return self.code in OVERRIDABLE

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "overridable": self.overridable}


@dataclass(frozen=True)
class ValidatedSlot:
    """What the validator decided: the booking's instants, end time and initial status."""

    status: str
    start_at: dt.datetime
    end_at: dt.datetime
    end_time: dt.time
    override: dict | None = None  # {"reason", "issues"} when an owner/manager override was applied


class BookingValidationFailed(ApplicationError):
    def __init__(self, issues: list[Issue]) -> None:
        first = issues[0].code
        status = 409 if first == "CAPACITY_EXCEEDED" else 403 if first == "MISSING_OVERRIDE" else 400
        super().__init__("Booking validation failed", status=status, extra={"issues": [i.as_dict() for i in issues]})
        self.issues = issues


class OutsideServicePolicy(ApplicationError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("Booking outside service policy", status=422, extra={"reasons": reasons})


def local_instant(tz: ZoneInfo, day: dt.date, at: dt.time) -> dt.datetime:
    """The UTC instant of a wall-clock time; a time in the spring-forward gap is a 400.

    An ambiguous (fall-back) time means its first occurrence (fold=0).
    """
    local = dt.datetime.combine(day, at, tzinfo=tz).replace(fold=0)
    try:
        instant = local.astimezone(dt.UTC)
    except OverflowError as exc:
        raise InvalidPayload({"date": ["That date is out of range."]}) from exc
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidPayload(
            {"time": [f"{at:%H:%M} does not exist on {day.isoformat()} in {tz.key} (the clocks go forward)."]}
        )
    return instant


def _window(start_at: dt.datetime, duration: int, tz: ZoneInfo) -> tuple[dt.datetime, dt.time]:
    try:
        end_at = start_at + dt.timedelta(minutes=duration)
    except OverflowError as exc:
        raise InvalidPayload({"date": ["That date is out of range."]}) from exc
    return end_at, end_at.astimezone(tz).time().replace(tzinfo=None)


@dataclass(frozen=True)
class Judgement:
    """The configured mode's verdict on one slot: its window, and what (if anything) is wrong."""

    start_at: dt.datetime
    end_at: dt.datetime
    end_time: dt.time
    status: str
    reasons: tuple[str, ...] = ()  # legacy mode's refusals
    issues: tuple[Issue, ...] = ()  # unified mode's

    @property
    def ok(self) -> bool:
        return not self.reasons and not self.issues


def judge(
    restaurant: Restaurant,
    schedule: DaySchedule,
    start_time: dt.time,
    party_size: int,
    booking_type: str,
    *,
    ops_channel: bool,
    floor: Floor | None = None,
    exclude_booking_id: uuid.UUID | None = None,
) -> Judgement:
    """The mode's rules on one start time of `schedule`'s day: the one rule behind creation,
    modification and availability.

    `floor`: the capacity of a window containing the slot (read here when not given). Raises
    InvalidPayload for a time the clocks skip that day.
    """
    start_at = local_instant(restaurant.tz, schedule.day, start_time)
    if current_mode() == LEGACY:
        return _judge_legacy(restaurant, schedule, start_time, start_at, party_size)
    duration = schedule.duration(party_size, booking_type)
    end_at, end_time = _window(start_at, duration, restaurant.tz)
    issues = time_issues(restaurant, schedule, start_time, start_at, duration=duration, ops_channel=ops_channel)
    if schedule.opening is not None:
        floor = floor or floor_for(restaurant, start_at, end_at)
        if not floor.fits(start_at, end_at, party_size, exclude=exclude_booking_id):
            issues.append(Issue("CAPACITY_EXCEEDED", f"No table for {party_size} is free at {start_time:%H:%M}."))
    return Judgement(start_at, end_at, end_time, Booking.Status.PENDING_ALLOCATION, issues=tuple(issues))


def validate_booking(
    *,
    restaurant: Restaurant,
    booking_date: dt.date,
    start_time: dt.time,
    party_size: int,
    booking_type: str,
    ops_channel: bool,
    override_reason: str | None = None,
    may_override: bool = False,
    exclude_booking_id: uuid.UUID | None = None,
    snapshot: DaySnapshot | None = None,
) -> ValidatedSlot:
    """Validate one requested slot in the configured mode, or raise its documented error.

    `override_reason`: an owner's or manager's request to pass the overridable issues (unified
    mode); `may_override` says whether the actor may. `snapshot`: the day already read
    (`booking_snapshot`), else it is read here.
    """
    verdict = judge(
        restaurant,
        snapshot.schedule if snapshot and snapshot.schedule else schedule_for(restaurant, booking_date),
        start_time,
        party_size,
        booking_type,
        ops_channel=ops_channel,
        floor=snapshot.floor if snapshot else None,
        exclude_booking_id=exclude_booking_id,
    )
    if verdict.reasons:
        raise OutsideServicePolicy(list(verdict.reasons))
    issues = list(verdict.issues)
    applied = None
    if override_reason is not None and current_mode() != LEGACY:
        if not may_override:
            raise BookingValidationFailed(
                [Issue("MISSING_OVERRIDE", "Only an owner or a manager may override booking rules."), *issues]
            )
        applied = {"reason": override_reason, "issues": [i.code for i in issues if i.overridable]}
        issues = [i for i in issues if not i.overridable]
    if issues:
        raise BookingValidationFailed(issues)
    return ValidatedSlot(
        status=verdict.status,
        start_at=verdict.start_at,
        end_at=verdict.end_at,
        end_time=verdict.end_time,
        override=applied,
    )


# --- legacy -----------------------------------------------------------------------------------
def _legacy_duration(window: str, party_size: int) -> int:
    if party_size <= 2:
        return 60
    if party_size <= 4:
        return 75
    return 85 if window == "lunch" else 90


def _judge_legacy(
    restaurant: Restaurant, schedule: DaySchedule, start_time: dt.time, start_at: dt.datetime, party_size: int
) -> Judgement:
    window = schedule.period_at(start_time)
    end_at, end_time = _window(start_at, _legacy_duration(window.name if window else "", party_size), restaurant.tz)
    reasons: tuple[str, ...] = ()
    if window is None:
        reasons = ("outside_service_hours",)
    elif window.name == "dinner" and (end_time > LEGACY_DINNER_LAST_END or end_time < start_time):
        reasons = ("booking_exceeds_service_end",)
    return Judgement(start_at, end_at, end_time, Booking.Status.PENDING, reasons=reasons)


# --- unified ----------------------------------------------------------------------------------
def time_issues(
    restaurant: Restaurant,
    schedule: DaySchedule,
    start_time: dt.time,
    start_at: dt.datetime,
    *,
    duration: int,
    ops_channel: bool,
) -> list[Issue]:
    """Unified mode's rules about *when* (capacity aside): closed date, hours and grid, period, past.

    A closed date is the only issue then (`CLOSED_DATE`, not overridable).
    """
    if schedule.opening is None:
        return [Issue("CLOSED_DATE", f"{restaurant.name} takes no bookings on {schedule.day.isoformat()}.")]
    issues: list[Issue] = []
    opens_at = clock(schedule.opens)
    last_start = schedule.last_start(duration)
    if not schedule.opens <= minutes(start_time) <= last_start:
        issues.append(
            Issue(
                "OUTSIDE_HOURS",
                f"Bookings on {schedule.day.isoformat()} start between {opens_at:%H:%M} and {clock(last_start):%H:%M}.",
            )
        )
    elif not schedule.is_on_grid(start_time):
        issues.append(
            Issue("OUTSIDE_HOURS", f"Bookings start every {schedule.interval} minutes from {opens_at:%H:%M}.")
        )

    if schedule.periods and schedule.period_at(start_time) is None:
        names = ", ".join(str(period) for period in schedule.periods)
        issues.append(Issue("SERVICE_PERIOD", f"{start_time:%H:%M} is outside the service periods ({names})."))

    now = timezone.now()
    in_current_slot = ops_channel and start_at + dt.timedelta(minutes=schedule.interval) > now
    if start_at < now - dt.timedelta(minutes=settings.BOOKING_PAST_GRACE_MINUTES) and not in_current_slot:
        issues.append(Issue("PAST_TIME", "That time has already passed."))
    return issues


# --- online limits (web channel only, both modes) -----------------------------------------------
class OnlineLimit(ApplicationError):
    """A booking the restaurant takes from staff but not from guests on the web (DESIGN 10)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, status=400, code=code)


def online_party_limit(restaurant: Restaurant, party_size: int) -> OnlineLimit | None:
    """A party too large to book online: checked before any other rule, so the guest hears to call
    (not that no table is free)."""
    if party_size <= restaurant.max_online_party:
        return None
    phone = f" on {restaurant.contact_phone}" if restaurant.contact_phone else ""
    return OnlineLimit(
        f"Parties of more than {restaurant.max_online_party} book with {restaurant.name} directly{phone}.",
        "PARTY_TOO_LARGE",
    )


def online_limit(restaurant: Restaurant, start_at: dt.datetime, party_size: int) -> OnlineLimit | None:
    """Why guests may not book this online (party size, window, notice), or None."""
    if limit := online_party_limit(restaurant, party_size):
        return limit
    now = timezone.now()
    phone = f" on {restaurant.contact_phone}" if restaurant.contact_phone else ""
    last_day = now.astimezone(restaurant.tz).date() + dt.timedelta(days=restaurant.booking_window_days)
    if start_at.astimezone(restaurant.tz).date() > last_day:
        return OnlineLimit(
            f"{restaurant.name} takes online bookings up to {restaurant.booking_window_days} days ahead.",
            "OUTSIDE_BOOKING_WINDOW",
        )
    # 0 minutes: guests may book until the start (the past-time rule and its grace still apply).
    if restaurant.min_notice_minutes and start_at < now + dt.timedelta(minutes=restaurant.min_notice_minutes):
        return OnlineLimit(
            f"Online bookings close {restaurant.min_notice_minutes} minutes before the start; "
            f"please contact {restaurant.name}{phone}.",
            "NOTICE_TOO_SHORT",
        )
    return None
