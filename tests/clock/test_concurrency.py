"""Never twice, on PostgreSQL with real threads (issue 11 acceptance 1 and 3): the allocation under the
restaurant-and-date lock, and the jobs under row locks and dedupe keys, not an in-process flag."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Booking, BookingStatusChange, TableAssignment
from bookings.services.creation import Channel
from bookings.validation import BookingValidationFailed
from notifications.models import Notification
from notifications.scheduled import JOBS, job_run
from tests.builders import RequestBuilder, tomorrow
from tests.concurrency import run_concurrently
from tests.factories import BookingFactory, TableFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = Booking.Status
build = RequestBuilder(day=tomorrow)
RACERS = 20


@pytest.fixture
def three_two_tops(auto_allocating, settings):
    settings.BOOKING_LOCK_TIMEOUT_MS = 60_000  # twenty at once queue for the slot lock; none gives up
    return [TableFactory(restaurant=auto_allocating, name=f"T{n}", max_seats=2) for n in range(1, 4)]


def _no_table_double_booked() -> None:
    live = TableAssignment.objects.filter(released_at__isnull=True)
    per_table = Counter(live.values_list("table_id", flat=True))
    assert per_table and max(per_table.values()) == 1, per_table


def test_twenty_requests_at_once_for_three_free_tables_confirm_three(auto_allocating, three_two_tops):
    """An owner squeezes in all twenty (capacity overridden), so the allocation, after each commit,
    is what must share out the three tables."""

    def make(i: int) -> Booking:
        return build.create(
            auto_allocating,
            channel=Channel.OPS,
            may_override=True,
            override={"apply": True, "reason": "Busy night, squeeze them in"},
            name=f"Guest {i}",
            email=f"guest{i}@example.com",
        ).booking

    outcomes = run_concurrently(make, RACERS)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    statuses = Counter(Booking.objects.values_list("status", flat=True))
    assert statuses == {S.CONFIRMED: 3, S.PENDING_ALLOCATION: RACERS - 3}
    _no_table_double_booked()
    assert set(TableAssignment.objects.values_list("table__name", flat=True)) == {"T1", "T2", "T3"}
    confirmed = Booking.objects.filter(status=S.CONFIRMED)
    assert Notification.objects.filter(kind="confirmation", status="sent", booking__in=confirmed).count() == 3
    waiting = Booking.objects.filter(status=S.PENDING_ALLOCATION)
    assert Notification.objects.filter(kind="request_received", status="sent", booking__in=waiting).count() == 17
    assert sorted(m.subject.split(" – ")[0] for m in mail.outbox) == sorted(
        ["Your reservation ticket"] * 3 + ["Reservation request received"] * 17
    )


def test_twenty_guests_at_once_on_the_web_for_three_free_tables(auto_allocating, three_two_tops):
    def make(i: int) -> Booking:
        return build.create(auto_allocating, name=f"Guest {i}", email=f"web{i}@example.com").booking

    outcomes = run_concurrently(make, RACERS)

    made = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, BookingValidationFailed)]
    assert (len(made), len(refused)) == (3, RACERS - 3), [o for o in outcomes if isinstance(o, BaseException)]
    assert all(r.issues[0].code == "CAPACITY_EXCEEDED" for r in refused)
    assert set(Booking.objects.values_list("status", flat=True)) == {S.CONFIRMED}
    _no_table_double_booked()


def test_two_runs_of_every_job_at_once_send_each_email_once_and_change_each_booking_once(restaurant):
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()
    now = timezone.now()
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)

    def at(start: dt.datetime, status: str, **fields) -> Booking:
        local = start.astimezone(restaurant.tz)
        return BookingFactory(
            restaurant=restaurant,
            status=status,
            booking_date=local.date(),
            start_at=start,
            end_at=start + 2 * hour,
            start_time=local.time(),
            end_time=(start + 2 * hour).astimezone(restaurant.tz).time(),
            **fields,
        )

    for i in range(5):
        at(now + 90 * dt.timedelta(minutes=1) + i * dt.timedelta(minutes=1), S.CONFIRMED, confirmed_at=now - 2 * day)
        at(now + 3 * day, S.PENDING_ALLOCATION, pending_since=now - 40 * dt.timedelta(minutes=1))
        at(now + 4 * day, S.PENDING_ALLOCATION, pending_since=now - 25 * hour)
        at(now - 6 * hour, S.COMPLETED, checked_in_at=now - 6 * hour, checked_out_at=now - 4 * hour)
        at(now - 2 * day, S.CHECKED_IN, checked_in_at=now - 2 * day)
    mail.outbox.clear()
    Notification.objects.all().delete()  # the factories' creation emails are not what this counts

    def run_all(_: int) -> dict[str, int]:
        return {name: job_run(name=name) for name in JOBS}

    outcomes = run_concurrently(run_all, 2)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    handled = {name: sum(o[name] for o in outcomes) for name in JOBS}
    assert handled == {
        "pending_attention": 5,
        "request_expiry": 5,
        "reminders": 5,  # the 2-hour one each; the 24-hour one gave way to it
        "end_of_day": 5,
        "review_requests": 5,
    }
    kinds = Counter(Notification.objects.values_list("kind", flat=True))
    assert kinds == {
        "staff_pending_attention": 5,
        "booking_declined": 5,
        "reminder_2h": 5,
        "review_request": 5,
    }
    assert len({(tuple(m.to), m.subject) for m in mail.outbox}) == len(mail.outbox) == 20
    assert BookingStatusChange.objects.filter(reason="expired").count() == 5
    assert BookingStatusChange.objects.filter(reason="end_of_day").count() == 5
