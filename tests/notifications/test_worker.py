"""The real thing (acceptance 3, 4): a Celery worker subprocess on Redis, PostgreSQL, and an SMTP sink
(the fixtures and helpers of `tests.integration`).

Bookings are made over HTTP against `live_server` (the public `POST /api/bookings` and the ops
`POST /api/ops/bookings`); the worker reads the pytest database and mails an aiosmtpd sink
(`tests/integration.py` has the worker, the sink and the broker fixtures).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.management import call_command
from icalendar import Calendar
from rest_framework.authtoken.models import Token

from notifications.models import Notification
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory
from tests.integration import broker_url, call_json, wait_until
from tests.notifications.conftest import build

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bistro(transactional_db):
    restaurant = RestaurantFactory(name="Bistro Vert", timezone="America/New_York", country="US", auto_allocate=False)
    TableFactory.create_batch(4, restaurant=restaurant, max_seats=6)
    host = UserFactory()
    MembershipFactory(user=host, restaurant=restaurant, role="host")
    return restaurant, Token.objects.create(user=host).key


def customer_booking(live_server, restaurant, guest: str) -> dict:
    """Tomorrow's dinner booked over HTTP by `guest` (an email address) with a US phone number."""
    body = build.body(restaurant, email=guest, phone="+12025550143")
    status, answer = call_json(f"{live_server.url}/api/bookings", body)
    assert status == 201, answer
    return answer["booking"]


def walk_in(live_server, restaurant, token, *, email: str | None = None, days_ahead: int = 1) -> dict:
    """A walk-in's dinner `days_ahead` days from now, booked over HTTP, with `email` if given."""
    day = restaurant.today() + dt.timedelta(days=days_ahead)
    body = build.ops_body(restaurant, date=day.isoformat(), email=email or ...)
    status, answer = call_json(f"{live_server.url}/api/ops/bookings", body, token=token)
    assert status == 201, answer
    return answer["booking"]


def test_a_real_worker_delivers_bookings_to_a_real_inbox(live_server, bistro, sink, queue, publisher, start_worker):
    restaurant, token = bistro
    handler, smtp_port = sink
    broker = broker_url()
    publisher(broker, queue)
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)

    booking = customer_booking(live_server, restaurant, "grace@example.com")
    walk_in(live_server, restaurant, token)

    guest_mail = wait_until(lambda: handler.to("grace@example.com"), "the guest's email")
    assert guest_mail[0]["Subject"] == "Reservation request received – Bistro Vert"
    desk = wait_until(
        lambda: len(handler.to(restaurant.contact_email)) == 2 and handler.to(restaurant.contact_email),
        "two emails to the restaurant",
    )
    assert sorted(m["Subject"] for m in desk) == [
        f"New booking request {booking['reference']} – Bistro Vert",
        "Reservation request received – Bistro Vert",
    ]
    fallback = next(m for m in desk if m["Subject"].startswith("Reservation request received"))
    assert "The guest did not leave an email address" in fallback.get_body(("plain",)).get_content()

    status, confirmed = call_json(
        f"{live_server.url}/api/ops/bookings/{booking['id']}/assign-tables",
        {"tableIds": [restaurant.tables.first().pk]},
        token=token,
    )
    assert (status, confirmed["status"]) == (200, "confirmed")

    wait_until(lambda: len(handler.to("grace@example.com")) == 2, "the confirmation")
    ticket = handler.to("grace@example.com")[1]
    assert ticket["Subject"] == "Your reservation ticket – Bistro Vert"
    (ics,) = [part for part in ticket.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(ics.get_content()).events[0]
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.start == dt.datetime.fromisoformat(booking["startAt"])
    assert handler.count() == 4
    row = Notification.objects.get(kind="confirmation")
    assert (row.status, row.provider_message_id) == ("sent", ticket["Message-ID"].strip())


def test_bookings_made_while_the_broker_is_down_are_all_mailed_once_it_is_back(
    live_server, bistro, sink, queue, publisher, start_worker, private_redis, caplog
):
    restaurant, token = bistro
    handler, smtp_port = sink
    port, start_redis = private_redis
    broker = broker_url(port)
    publisher(broker, queue)  # nothing listens on that port yet

    for day in range(1, 21):
        walk_in(live_server, restaurant, token, email=f"guest{day}@example.com", days_ahead=day)

    assert Notification.objects.filter(status="queued").count() == 20
    assert caplog.text.count("dispatch failed") == 20
    start_redis()
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)
    call_command("notifications_redrive", "--older-than", "0")

    wait_until(lambda: Notification.objects.filter(status="sent").count() == 20, "20 notifications sent")
    time.sleep(1)  # anything sent twice would arrive now
    assert handler.count() == 20
    assert sorted(m["To"] for m in handler.messages) == sorted(f"guest{d}@example.com" for d in range(1, 21))


def test_mail_refused_for_a_while_is_retried_and_delivered_once(
    live_server, bistro, sink, queue, publisher, start_worker
):
    restaurant, token = bistro
    handler, smtp_port = sink
    handler.refusing = True
    broker = broker_url()
    publisher(broker, queue)
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)

    for day in range(1, 4):
        walk_in(live_server, restaurant, token, email=f"patient{day}@example.com", days_ahead=day)

    refused = Notification.objects.filter(status="queued", attempts__gte=1, last_error__contains="451")
    wait_until(lambda: refused.count() == 3, "3 refused sends waiting for their retry")
    handler.refusing = False

    wait_until(lambda: Notification.objects.filter(status="sent").count() == 3, "3 notifications sent after retries")
    time.sleep(1)
    assert sorted(m["To"] for m in handler.messages) == [f"patient{d}@example.com" for d in range(1, 4)]
    assert handler.refused >= 3
    assert all(row.attempts >= 2 and row.last_error == "" for row in Notification.objects.all())
