"""What a job may not do (DESIGN 11 "Bounds") and what a run costs (issue 11 acceptance 2, 5).

A job acts only on rows that became due within the last 24 hours (end of day: 7 days), so a first run
or a run after an outage never mails old guests; a run with nothing due costs a fixed number of
queries however many bookings there are.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from notifications.models import Notification
from notifications.scheduled import JOBS, job_run
from tests.clock.conftest import START, london
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db
S = Booking.Status
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
# Queries of one run with nothing due, per job: the candidates' index range, and (only when there are
# candidates) the rows already recorded or the opening hours that decide them.
QUERY_BUDGET = {"pending_attention": 2, "request_expiry": 2, "reminders": 2, "end_of_day": 2, "review_requests": 2}


def _at(restaurant, start: dt.datetime, status: str, **fields) -> Booking:
    end = start + 2 * HOUR
    local_start, local_end = start.astimezone(restaurant.tz), end.astimezone(restaurant.tz)
    return BookingFactory(
        restaurant=restaurant,
        status=status,
        booking_date=local_start.date(),
        start_time=local_start.time(),
        end_time=local_end.time(),
        start_at=start,
        end_at=end,
        **fields,
    )


# --- bounds -----------------------------------------------------------------------------------------
def test_nothing_due_three_days_ago_is_acted_on(clock, run, restaurant):
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()
    now = START
    waiting = _at(restaurant, now + 10 * DAY, S.PENDING_ALLOCATION, pending_since=now - 4 * DAY)  # attention, expiry
    _at(restaurant, now - 2 * DAY, S.CONFIRMED, confirmed_at=now - 10 * DAY)  # both reminders
    _at(  # review due 3 days ago
        restaurant,
        now - 3 * DAY - 6 * HOUR,
        S.COMPLETED,
        checked_in_at=now - 3 * DAY - 6 * HOUR,
        checked_out_at=now - 3 * DAY - 3 * HOUR,
    )

    assert [run(job) for job in JOBS if job != "end_of_day"] == [0, 0, 0, 0]

    clock_kinds = ["staff_pending_attention", "booking_declined", "reminder_24h", "reminder_2h", "review_request"]
    assert not Notification.objects.filter(kind__in=clock_kinds).exists()
    waiting.refresh_from_db()
    assert waiting.status == S.PENDING_ALLOCATION


def test_a_day_over_more_than_seven_days_ago_is_left_alone(clock, run, restaurant):
    eight_days = _at(restaurant, london(1, 19) - 8 * DAY, S.CHECKED_IN, checked_in_at=london(1, 19) - 8 * DAY)
    six_days = _at(restaurant, london(1, 19) - 6 * DAY, S.CHECKED_IN, checked_in_at=london(1, 19) - 6 * DAY)

    assert run("end_of_day") == 1

    eight_days.refresh_from_db()
    six_days.refresh_from_db()
    assert (eight_days.status, six_days.status) == (S.CHECKED_IN, S.COMPLETED)


# --- query counts -----------------------------------------------------------------------------------
def _history(restaurant, count: int) -> None:
    """`count` bookings of each kind the jobs read or skip, none of them due now (START)."""
    now = timezone.now()
    for i in range(count):
        minute = dt.timedelta(minutes=i)
        # Waiting 10 minutes: in the attention and expiry windows, not yet due.
        _at(restaurant, now + 2 * DAY + minute, S.PENDING_ALLOCATION, pending_since=now - 10 * dt.timedelta(minutes=1))
        # Confirmed within the next 24 hours, but after its 24-hour reminder was due; the 2-hour one is ahead.
        _at(restaurant, now + 10 * HOUR + minute, S.CONFIRMED, confirmed_at=now - HOUR)
        # Confirmed in a week: outside the reminder window.
        _at(restaurant, now + 7 * DAY + minute, S.CONFIRMED, confirmed_at=now - DAY)
        # Breakfast over at 09:00 today: the day is not over yet (end of day candidates).
        _at(restaurant, now - 3 * HOUR, S.CHECKED_IN, checked_in_at=now - 3 * HOUR)
        # Visits over an hour ago (review due in two hours) and old history in every final status.
        _at(restaurant, now - 3 * HOUR, S.COMPLETED, checked_in_at=now - 3 * HOUR, checked_out_at=now - HOUR)
        _at(
            restaurant,
            now - 30 * DAY - minute,
            S.COMPLETED,
            checked_in_at=now - 30 * DAY,
            checked_out_at=now - 30 * DAY,
        )
        _at(restaurant, now - 20 * DAY - minute, S.CANCELLED)
        _at(restaurant, now - 20 * DAY - minute, S.NO_SHOW)


@pytest.mark.parametrize("job", JOBS)
@pytest.mark.parametrize("count", [0, 1, 25])
def test_a_run_with_nothing_due_costs_a_fixed_number_of_queries(
    clock, restaurant, django_assert_max_num_queries, job, count
):
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()
    _history(restaurant, count)

    with django_assert_max_num_queries(QUERY_BUDGET[job]):
        assert job_run(name=job) == 0


@pytest.mark.parametrize("job", JOBS)
def test_the_cost_does_not_grow_with_the_number_of_bookings(clock, restaurant, job):
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()
    counts = []
    for _ in range(2):
        _history(restaurant, 10)
        with CaptureQueriesContext(connection) as queries:
            job_run(name=job)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= QUERY_BUDGET[job]


@pytest.mark.parametrize("job", JOBS)
def test_a_run_after_everything_due_was_handled_is_as_cheap(clock, run, restaurant, django_assert_max_num_queries, job):
    """Rows already recorded are left out in one query, not looked up one by one."""
    restaurant.review_url = "https://reviews.example.com/bistro"
    restaurant.save()
    now = START
    minute = dt.timedelta(minutes=1)
    for i in range(10):
        _at(restaurant, now + 90 * minute + i * HOUR, S.CONFIRMED, confirmed_at=now - 2 * DAY)  # reminders
        _at(restaurant, now + 3 * DAY, S.PENDING_ALLOCATION, pending_since=now - HOUR - i * minute)  # attention
        _at(restaurant, now + 3 * DAY, S.PENDING_ALLOCATION, pending_since=now - 25 * HOUR - i * minute)  # expiry
        _at(restaurant, now - 6 * HOUR, S.COMPLETED, checked_in_at=now - 6 * HOUR, checked_out_at=now - 4 * HOUR)
        _at(restaurant, now - DAY - i * minute, S.CHECKED_IN, checked_in_at=now - DAY)  # yesterday's lunch
    assert run(job) >= 10

    with django_assert_max_num_queries(QUERY_BUDGET[job]):
        assert job_run(name=job) == 0
