"""The clock (DESIGN 11): five jobs that act on bookings when their time comes, and nothing else.

Each job has the same shape, so that running it twice, late, or on two machines at once is harmless:

1. **Select** the candidates with one index-backed query over a bounded window of one of the
   partial indexes of `Booking` (`booking_waiting_idx`, `booking_active_start_idx`,
   `booking_completed_idx`). The window is wide enough for any restaurant's settings (they have
   upper bounds for this reason: `restaurants.models.MAX_ATTENTION_MINUTES`, `MAX_WAIT_HOURS`), and
   each restaurant's own setting is applied to the candidates in Python, because SQLite cannot
   multiply an integer column by an interval. So a run with nothing due reads one index range,
   whatever the size of the history, in a fixed number of queries.
2. **Bound**: a job acts only on rows that became due within the last 24 hours (end of day: the last
   7 days), so a first run or a run after an outage never mails old guests; reminders are never
   recorded at or after the start.
3. **Act** on each due row in its own transaction: lock the booking row, check again that it is due
   (somebody may have answered, moved or cancelled it since the read), then record a notification
   under its dedupe key or change the status through the lifecycle service (a compare-and-set). A
   second run, or a concurrent one, finds the row locked, then already recorded or already changed.
   Rows already recorded are left out before step 3 with one more query, so a run in which
   everything due has been handled stays at a fixed number of queries too.

Each run logs one line on the `tablekeeper.clock` logger: `event=job_run job=<name> handled=<n>`.

Decisions where DESIGN 11 is silent:
- A waiting request's "created more than an hour before its start" (the one-hour expiry rule) is
  measured, like every waiting rule, from its latest entry into the pending status: a booking moved
  by the guest to a time 30 minutes away is a new request, not one that was neglected.
- End of day: the day ends an hour after the closing time of the booking's date in the restaurant's
  own opening hours (a dated row over the weekday row; past midnight when it closes at or before it
  opens), whatever the validation mode. A date with no hours (closed, or no row) ends an hour after
  its local midnight. Either way, never before an hour after the booking's own end, so an
  overridden booking that runs past closing time is not closed while the guests are still seated.
- A reminder whose later sibling is due too (the 24-hour one, two hours before the start, after an
  outage) is not sent: the guest gets the reminder that is still true, not "see you tomorrow".
- Review requests are keyed by the completion (`completed`): a completed booking is final, so it is
  asked once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.models import Booking
from bookings.schedule import DAY_MINUTES, closing_minutes
from bookings.services import lifecycle
from notifications.models import Notification
from notifications.services import notification_record
from restaurants.models import MAX_ATTENTION_MINUTES, MAX_WAIT_HOURS, OpeningHours

logger = logging.getLogger("tablekeeper.clock")

S = Booking.Status
Kind = Notification.Kind
HOUR = dt.timedelta(hours=1)
# How far back a job looks for rows that became due (DESIGN 11 "Bounds").
LOOKBACK = dt.timedelta(hours=24)
END_OF_DAY_LOOKBACK = dt.timedelta(days=7)
# A restaurant's day ends at most this long after the local midnight that starts it (closing past
# midnight on the next day, plus the hour), with a day to spare for timezones.
LONGEST_DAY = dt.timedelta(days=3)
REMINDERS: tuple[tuple[str, dt.timedelta], ...] = (
    (Kind.REMINDER_24H, dt.timedelta(hours=24)),
    (Kind.REMINDER_2H, dt.timedelta(hours=2)),
)
EARLIEST_REMINDER = max(before for _, before in REMINDERS)
REVIEW_KEY = "completed"


def _recent(due_at: dt.datetime, now: dt.datetime, lookback: dt.timedelta = LOOKBACK) -> bool:
    """Due now, and became due within the job's bound (never an old row after an outage)."""
    return now - lookback < due_at <= now


def _recorded(kinds: Iterable[str], booking_ids: Iterable[uuid.UUID]) -> set[tuple[uuid.UUID, str, str]]:
    """(booking, kind, dedupe key) of the rows these bookings already have: one query, or none."""
    ids = set(booking_ids)
    if not ids:
        return set()
    rows = Notification.objects.filter(booking_id__in=ids, kind__in=list(kinds))
    return set(rows.order_by().values_list("booking_id", "kind", "dedupe_key"))


def _each(job: str, items: Iterable, act: Callable[..., bool]) -> int:
    """Run `act(*item)` per due row, each in its own transaction; how many acted.

    One row failing (a lock timeout, a bug) is logged and does not stop the others; the next run
    tries it again while it is still due. The task's time limit still ends the run.
    """
    handled = 0
    for item in items:
        try:
            with transaction.atomic():
                handled += bool(act(*item))
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("event=job_row_failed job=%s booking_id=%s", job, item[0])
    return handled


def _starting(after: dt.datetime, until: dt.datetime) -> QuerySet[Booking]:
    """Active bookings starting in (after, until]: one range of `booking_active_start_idx`.

    The status condition is the index's own predicate, exactly, and each job picks its statuses in
    Python: asked for a narrower list of statuses, PostgreSQL ANDs the range with the plain status
    index, which reads every booking in those statuses, so the run would grow with the history.
    """
    return Booking.objects.filter(
        status__in=Booking.ACTIVE_STATUSES, start_at__gt=after, start_at__lte=until
    ).order_by()


# --- waiting requests ---------------------------------------------------------------------------
def _waiting_web() -> Q:
    """Requests from guests on the web still waiting for the restaurant (walk-ins and phone
    bookings were made by staff, who know about them)."""
    return Q(status__in=sorted(Booking.PENDING_STATUSES), source=Booking.Source.WEB)


def attention_key(pending_since: dt.datetime) -> str:
    """One "action needed" per wait: a booking that returns to pending waits again, with a new key."""
    return f"pending:{pending_since.isoformat()}"


def pending_attention(*, now: dt.datetime) -> int:
    """`staff_pending_attention` once a web request has waited `pending_attention_minutes`."""
    candidates = (
        Booking.objects.filter(
            _waiting_web(),
            pending_since__gt=now - LOOKBACK - dt.timedelta(minutes=MAX_ATTENTION_MINUTES),
            pending_since__lte=now,
        )
        .order_by()
        .values_list("pk", "pending_since", "restaurant__pending_attention_minutes")
    )
    due = [
        (pk, since)
        for pk, since, minutes in candidates
        if since is not None and _recent(since + dt.timedelta(minutes=minutes), now)
    ]
    done = _recorded([Kind.STAFF_PENDING_ATTENTION], (pk for pk, _ in due))
    todo = [(pk, since) for pk, since in due if (pk, Kind.STAFF_PENDING_ATTENTION, attention_key(since)) not in done]
    return _each("pending_attention", todo, lambda pk, since: _attention(pk, since, now))


def _attention(booking_id: uuid.UUID, pending_since: dt.datetime, now: dt.datetime) -> bool:
    booking = lifecycle.lock_booking(booking_id)
    minutes = dt.timedelta(minutes=booking.restaurant.pending_attention_minutes)
    if (
        booking.status not in Booking.PENDING_STATUSES
        or booking.pending_since != pending_since
        or not _recent(pending_since + minutes, now)
    ):
        return False
    key = attention_key(pending_since)
    return notification_record(booking=booking, kind=Kind.STAFF_PENDING_ATTENTION, dedupe_key=key) is not None


def expiry_due_at(*, pending_since: dt.datetime, start_at: dt.datetime, expiry_hours: int) -> dt.datetime:
    """When a waiting request expires: after `expiry_hours` of waiting, or an hour before its start
    if it has been waiting since more than an hour before its start, whichever comes first."""
    due_at = pending_since + dt.timedelta(hours=expiry_hours)
    if pending_since < start_at - HOUR:
        due_at = min(due_at, start_at - HOUR)
    return due_at


def request_expiry(*, now: dt.datetime) -> int:
    """A web request nobody answered in time is cancelled (`expired`; the guest is told)."""
    fields = ("pk", "pending_since", "start_at", "restaurant__request_expiry_hours")
    # Two index ranges, one per rule: waited long enough (booking_waiting_idx), or starting within
    # the hour (booking_active_start_idx).
    waited = (
        Booking.objects.filter(
            _waiting_web(),
            pending_since__gt=now - LOOKBACK - dt.timedelta(hours=MAX_WAIT_HOURS),
            pending_since__lte=now - HOUR,
        )
        .order_by()
        .values_list(*fields)
    )
    starting = (
        _starting(now - LOOKBACK + HOUR, now + HOUR).filter(source=Booking.Source.WEB).values_list(*fields, "status")
    )
    waiting = [row[:4] for row in starting if row[4] in Booking.PENDING_STATUSES]
    candidates = {row[0]: row for row in [*waited, *waiting]}
    due = [
        (pk,)
        for pk, since, start_at, hours in candidates.values()
        if since is not None and _recent(expiry_due_at(pending_since=since, start_at=start_at, expiry_hours=hours), now)
    ]
    return _each("request_expiry", due, lambda pk: _expire(pk, now))


def _expire(booking_id: uuid.UUID, now: dt.datetime) -> bool:
    booking = lifecycle.lock_booking(booking_id)
    if booking.status not in Booking.PENDING_STATUSES or booking.pending_since is None:
        return False
    due_at = expiry_due_at(
        pending_since=booking.pending_since,
        start_at=booking.start_at,
        expiry_hours=booking.restaurant.request_expiry_hours,
    )
    if not _recent(due_at, now):  # answered and sent back to pending since the read: a new wait
        return False
    return lifecycle.booking_expire(booking=booking)


# --- reminders ----------------------------------------------------------------------------------
def reminder_key(kind: str, start_at: dt.datetime) -> str:
    """Once per booking, kind and start time: a moved booking gets new reminders. The key ends with
    the start, which is how the sender tells a reminder for an old time (`sending._outdated`)."""
    return f"{kind}:{start_at.isoformat()}"


def _reminder_due(
    before: dt.timedelta, start_at: dt.datetime, confirmed_at: dt.datetime | None, now: dt.datetime
) -> bool:
    """Due, not yet started, no later reminder due yet, and confirmed at the due time (confirmed,
    still, since before it)."""
    due_at = start_at - before
    superseded = any(start_at - other <= now for _, other in REMINDERS if other < before)
    confirmed_in_time = confirmed_at is not None and confirmed_at <= due_at
    return now < start_at and _recent(due_at, now) and not superseded and confirmed_in_time


def reminders(*, now: dt.datetime) -> int:
    """`reminder_24h` and `reminder_2h` to the guests of confirmed bookings, never after the start."""
    candidates = (
        _starting(now, now + EARLIEST_REMINDER)
        .filter(restaurant__reminders_enabled=True)
        .values_list("pk", "status", "start_at", "confirmed_at")
    )
    due = [
        (pk, kind, start_at)
        for pk, status, start_at, confirmed_at in candidates
        for kind, before in REMINDERS
        if status == S.CONFIRMED and _reminder_due(before, start_at, confirmed_at, now)
    ]
    done = _recorded([kind for kind, _ in REMINDERS], (pk for pk, _, _ in due))
    todo = [(pk, kind, start_at) for pk, kind, start_at in due if (pk, kind, reminder_key(kind, start_at)) not in done]
    return _each("reminders", todo, lambda pk, kind, start_at: _remind(pk, kind, start_at, now))


def _remind(booking_id: uuid.UUID, kind: str, start_at: dt.datetime, now: dt.datetime) -> bool:
    booking = lifecycle.lock_booking(booking_id)
    before = dict(REMINDERS)[kind]
    if (
        booking.status != S.CONFIRMED
        or booking.start_at != start_at
        or not booking.restaurant.reminders_enabled
        or not _reminder_due(before, start_at, booking.confirmed_at, now)
    ):
        return False
    return notification_record(booking=booking, kind=kind, dedupe_key=reminder_key(kind, start_at)) is not None


# --- end of day ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Hours:
    """One restaurant's opening-hours rows: by weekday, and dated overrides."""

    weekly: dict[int, tuple[dt.time, dt.time] | None]
    dated: dict[dt.date, tuple[dt.time, dt.time] | None]

    def opening(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """(opens, closes) that date, or None: closed or no hours (a dated row wins)."""
        if day in self.dated:
            return self.dated[day]
        return self.weekly.get(day.weekday())


def _hours_of(restaurant_ids: set, days: set[dt.date]) -> dict:
    """The opening hours that decide these restaurants' days, in one query."""
    hours: dict = {rid: _Hours({}, {}) for rid in restaurant_ids}
    rows = (
        OpeningHours.objects.filter(Q(date__isnull=True) | Q(date__in=sorted(days)), restaurant_id__in=restaurant_ids)
        .order_by()
        .values_list("restaurant_id", "weekday", "date", "opens_at", "closes_at", "is_closed")
    )
    for rid, weekday, date, opens_at, closes_at, is_closed in rows:
        opening = None if is_closed else (opens_at, closes_at)
        if date is None:
            hours[rid].weekly[weekday] = opening
        else:
            hours[rid].dated[date] = opening
    return hours


def day_end(*, day: dt.date, opening: tuple[dt.time, dt.time] | None, tz: ZoneInfo) -> dt.datetime:
    """An hour after the date's closing time, local (the next day when it closes past midnight);
    an hour after the date's end when it has no hours."""
    closes = DAY_MINUTES if opening is None else closing_minutes(opening)
    local = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=closes) + HOUR
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def end_of_day_due_at(*, booking_end_at: dt.datetime, day_end_at: dt.datetime) -> dt.datetime:
    return max(day_end_at, booking_end_at + HOUR)


def end_of_day(*, now: dt.datetime) -> int:
    """Once the restaurant's day is over: seated guests are checked out, confirmed guests who never
    came are no-shows (when `auto_no_show`), tables released (`lifecycle.booking_close_day`)."""
    rows = (
        _starting(now - END_OF_DAY_LOOKBACK - LONGEST_DAY, now)
        .filter(end_at__lte=now - HOUR)
        .values_list(
            "pk",
            "status",
            "booking_date",
            "end_at",
            "restaurant_id",
            "restaurant__timezone",
            "restaurant__auto_no_show",
        )
    )
    # Requests still waiting are the expiry's; a confirmed booking at a restaurant without
    # auto_no_show is left as it is: nothing to do for either.
    candidates = [
        (pk, day, end_at, restaurant_id, tz_name)
        for pk, status, day, end_at, restaurant_id, tz_name, no_show in rows
        if status == S.CHECKED_IN or (status == S.CONFIRMED and no_show)
    ]
    if not candidates:
        return 0
    hours = _hours_of({row[3] for row in candidates}, {row[1] for row in candidates})
    due = []
    for pk, day, end_at, restaurant_id, tz_name in candidates:
        ends = day_end(day=day, opening=hours[restaurant_id].opening(day), tz=ZoneInfo(tz_name))
        if _recent(end_of_day_due_at(booking_end_at=end_at, day_end_at=ends), now, END_OF_DAY_LOOKBACK):
            due.append((pk, day, end_at))
    return _each("end_of_day", due, lambda pk, day, end_at: _close(pk, day, end_at))


def _close(booking_id: uuid.UUID, day: dt.date, end_at: dt.datetime) -> bool:
    booking = lifecycle.lock_booking(booking_id)
    if booking.booking_date != day or booking.end_at != end_at:  # moved since the read: next run decides
        return False
    return lifecycle.booking_close_day(booking=booking, no_show=booking.restaurant.auto_no_show) is not None


# --- review requests ----------------------------------------------------------------------------
def review_requests(*, now: dt.datetime) -> int:
    """`review_request` `review_request_hours` after the visit ended, when the restaurant has a
    `review_url` (and the hours are not blank)."""
    candidates = (
        Booking.objects.filter(
            status=S.COMPLETED,
            checked_out_at__gt=now - LOOKBACK - dt.timedelta(hours=MAX_WAIT_HOURS),
            checked_out_at__lte=now,
            restaurant__review_request_hours__isnull=False,
        )
        .exclude(restaurant__review_url="")
        .order_by()
        .values_list("pk", "checked_out_at", "restaurant__review_request_hours")
    )
    due = [
        pk
        for pk, checked_out_at, hours in candidates
        if checked_out_at is not None and hours is not None and _recent(checked_out_at + dt.timedelta(hours=hours), now)
    ]
    done = _recorded([Kind.REVIEW_REQUEST], due)
    todo = [(pk,) for pk in due if (pk, Kind.REVIEW_REQUEST, REVIEW_KEY) not in done]
    return _each("review_requests", todo, lambda pk: _ask_review(pk, now))


def _ask_review(booking_id: uuid.UUID, now: dt.datetime) -> bool:
    booking = lifecycle.lock_booking(booking_id)
    restaurant = booking.restaurant
    if (
        booking.status != S.COMPLETED
        or booking.checked_out_at is None
        or restaurant.review_request_hours is None
        or not restaurant.review_url
        or not _recent(booking.checked_out_at + dt.timedelta(hours=restaurant.review_request_hours), now)
    ):
        return False
    return notification_record(booking=booking, kind=Kind.REVIEW_REQUEST, dedupe_key=REVIEW_KEY) is not None


# --- running ------------------------------------------------------------------------------------
# In the order a full run takes them: the day closes before its reviews are asked.
JOBS: dict[str, Callable[..., int]] = {
    "pending_attention": pending_attention,
    "request_expiry": request_expiry,
    "reminders": reminders,
    "end_of_day": end_of_day,
    "review_requests": review_requests,
}


class UnknownJob(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown job {name!r}; the jobs are: {', '.join(JOBS)}")


def job_run(*, name: str, now: dt.datetime | None = None) -> int:
    """Run one job once; how many rows it handled (logged as one line)."""
    if name not in JOBS:
        raise UnknownJob(name)
    handled = JOBS[name](now=now or timezone.now())
    logger.info("event=job_run job=%s handled=%d", name, handled)
    return handled
