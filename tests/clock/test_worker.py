"""Acceptance 3 of issue 11: two `manage.py run_scheduled` processes started at the same moment on
PostgreSQL send each due email once, through a real Celery worker on Redis to an SMTP sink
(`tests.integration`). Nothing but the database, the row locks and the dedupe keys stands between the
two runs: they are separate processes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingStatusChange
from notifications.models import Notification
from tests.factories import BookingFactory, RestaurantFactory
from tests.integration import ROOT, broker_url, process_env, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = Booking.Status
HOUR, DAY, MINUTE = dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(minutes=1)
GUESTS = 12  # each with a 2-hour reminder due: enough rows for the two runs to overlap


def _booking(restaurant, start: dt.datetime, status: str, guest: str, **fields) -> Booking:
    local_start, local_end = start.astimezone(restaurant.tz), (start + 2 * HOUR).astimezone(restaurant.tz)
    return BookingFactory(
        restaurant=restaurant,
        status=status,
        booking_date=local_start.date(),
        start_time=local_start.time(),
        end_time=local_end.time(),
        start_at=start,
        end_at=start + 2 * HOUR,
        customer__email=guest,
        **fields,
    )


@pytest.fixture
def due_now(transactional_db):
    """A restaurant with one row due for each job, and a dozen guests due a 2-hour reminder.

    The rows are written before the test points Celery at the real broker, so their creation emails
    (request received) go to the test's own outbox, not to the sink.
    """
    restaurant = RestaurantFactory(
        name="Clock Bistro", timezone="Europe/London", auto_allocate=False, review_url="https://reviews.example.com/c"
    )
    now = timezone.now()
    for i in range(GUESTS):
        _booking(
            restaurant, now + 90 * MINUTE + i * MINUTE, S.CONFIRMED, f"soon{i}@example.com", confirmed_at=now - DAY
        )
    waiting = _booking(
        restaurant, now + 3 * DAY, S.PENDING_ALLOCATION, "waiting@example.com", pending_since=now - 40 * MINUTE
    )
    stale = _booking(
        restaurant, now + 4 * DAY, S.PENDING_ALLOCATION, "stale@example.com", pending_since=now - 25 * HOUR
    )
    _booking(
        restaurant,
        now - 6 * HOUR,
        S.COMPLETED,
        "visited@example.com",
        checked_in_at=now - 6 * HOUR,
        checked_out_at=now - 4 * HOUR,
    )
    seated = _booking(restaurant, now - 2 * DAY, S.CHECKED_IN, "seated@example.com", checked_in_at=now - 2 * DAY)
    return restaurant, waiting, stale, seated


def test_two_run_scheduled_processes_at_once_send_each_due_email_once(
    due_now, sink, queue, publisher, start_worker, tmp_path
):
    restaurant, waiting, stale, seated = due_now
    handler, smtp_port = sink
    broker = broker_url()
    publisher(broker, queue)
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)
    env = process_env(broker_url=broker, queue=queue)

    command = [sys.executable, "manage.py", "run_scheduled"]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    runs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    print("\n".join(out for out, _ in outputs))
    handled: Counter[str] = Counter()
    for out, _err in outputs:
        for line in out.splitlines():
            job, count = line.split(": handled ")
            handled[job] += int(count)
    assert handled == {
        "pending_attention": 1,
        "request_expiry": 1,
        "reminders": GUESTS,
        "end_of_day": 1,
        "review_requests": 1,
    }

    expected = {
        **{f"soon{i}@example.com": f"You're up soon at {restaurant.name}" for i in range(GUESTS)},
        restaurant.contact_email: f"Action needed: booking {waiting.reference} pending",
        "stale@example.com": f"Update on your request – {restaurant.name}",
        "visited@example.com": f"How was your visit at {restaurant.name}?",
    }
    wait_until(lambda: handler.count() >= len(expected), f"{len(expected)} emails")
    time.sleep(2)  # anything sent twice would arrive now
    assert Counter((m["To"], m["Subject"]) for m in handler.messages) == Counter(expected.items())
    clock_rows = Notification.objects.exclude(dedupe_key="created").values_list("kind", "status")
    assert Counter(clock_rows) == {
        ("reminder_2h", "sent"): GUESTS,
        ("staff_pending_attention", "sent"): 1,
        ("booking_declined", "sent"): 1,
        ("review_request", "sent"): 1,
    }
    assert BookingStatusChange.objects.filter(booking=stale, reason="expired").count() == 1
    assert BookingStatusChange.objects.filter(booking=seated, reason="end_of_day").count() == 1
    seated.refresh_from_db()
    assert seated.status == S.COMPLETED
