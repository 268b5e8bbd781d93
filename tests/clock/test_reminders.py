"""Reminders 24 hours and 2 hours before the start (DESIGN 11, issue 11 acceptance 2 and 4).

Sent only for a booking confirmed at the due time and confirmed before it, once per booking, kind and
start time, never after the start, and only to an email the guest gave themselves.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.creation import Channel
from bookings.services.modification import booking_modify
from notifications.models import Notification
from notifications.scheduled import job_run
from notifications.sending import notification_deliver
from tests.clock.conftest import london, rows, sent_to

pytestmark = pytest.mark.django_db
S = Booking.Status
MINUTE = dt.timedelta(minutes=1)
WEDNESDAY = dt.date(2026, 6, 3)
DINNER = london(3, 19)  # Wednesday's dinner: the 24 h reminder is due Tuesday 19:00, the 2 h one 17:00
GUEST = "ada@example.com"


@pytest.fixture
def confirmed(clock, book, confirm):
    """Wednesday's dinner, requested at START and confirmed an hour later."""
    booking = book(WEDNESDAY)
    clock.later(hours=1)
    return confirm(booking)


def test_the_24_hour_and_2_hour_reminders_go_once_each_at_their_time(clock, run, confirmed):
    restaurant = confirmed.restaurant
    clock.at(DINNER - dt.timedelta(hours=24) - MINUTE)
    assert run("reminders") == 0
    clock.at(DINNER - dt.timedelta(hours=24))
    assert run("reminders") == 1
    assert run("reminders") == 0

    clock.at(DINNER - dt.timedelta(hours=2) - MINUTE)
    assert run("reminders") == 0
    clock.at(DINNER - dt.timedelta(hours=2))
    assert run("reminders") == 1
    assert run("reminders") == 0
    clock.at(DINNER)
    assert run("reminders") == 0

    assert sent_to(GUEST)[-2:] == [
        f"{restaurant.name} on Wednesday 3 June at 19:00",
        f"You're up soon at {restaurant.name}",
    ]
    reminders = [(n.kind, n.dedupe_key, n.status) for n in Notification.objects.filter(kind__startswith="reminder")]
    assert sorted(reminders) == [
        ("reminder_24h", f"reminder_24h:{DINNER.astimezone(dt.UTC).isoformat()}", "sent"),
        ("reminder_2h", f"reminder_2h:{DINNER.astimezone(dt.UTC).isoformat()}", "sent"),
    ]
    assert "Wednesday 3 June 2026, 19:00 (Europe/London, BST)" in mail.outbox[-1].body


def test_no_24_hour_reminder_for_a_booking_confirmed_after_it_was_due(clock, book, run, confirm):
    booking = book(WEDNESDAY)
    clock.at(DINNER - dt.timedelta(hours=20))
    confirm(booking)

    assert run("reminders") == 0
    clock.at(DINNER - dt.timedelta(hours=2))
    assert run("reminders") == 1
    assert [n.kind for n in rows("reminder_2h")] == ["reminder_2h"] and rows("reminder_24h") == []


def test_a_booking_not_confirmed_at_the_due_time_is_not_reminded(clock, book, run):
    book(WEDNESDAY)  # still waiting for a table

    clock.at(DINNER - dt.timedelta(hours=24))
    assert run("reminders") == 0
    clock.at(DINNER - dt.timedelta(hours=2))
    assert run("reminders") == 0


def test_a_moved_booking_gets_new_reminders(clock, run, confirm, confirmed):
    clock.at(DINNER - dt.timedelta(hours=24))
    assert run("reminders") == 1

    clock.later(hours=1)
    moved = booking_modify(booking=confirmed, actor=None, booking_date=dt.date(2026, 6, 4))
    clock.later(minutes=5)
    confirm(moved)

    new_dinner = london(4, 19)
    clock.at(new_dinner - dt.timedelta(hours=24) - MINUTE)
    assert run("reminders") == 0
    clock.at(new_dinner - dt.timedelta(hours=24))
    assert run("reminders") == 1
    keys = [n.dedupe_key for n in rows("reminder_24h", confirmed)]
    assert keys == [f"reminder_24h:{t.astimezone(dt.UTC).isoformat()}" for t in (DINNER, new_dinner)]
    assert sent_to(GUEST).count(f"{confirmed.restaurant.name} on Thursday 4 June at 19:00") == 1


def test_no_reminder_after_a_cancellation(clock, run, confirmed, committed):
    clock.at(DINNER - dt.timedelta(hours=30))
    with committed():
        lifecycle.booking_cancel(booking=confirmed, actor=None, by_guest=True)

    for before in (24, 2):
        clock.at(DINNER - dt.timedelta(hours=before))
        assert run("reminders") == 0
    assert Notification.objects.filter(kind__startswith="reminder").count() == 0


def test_a_reminder_recorded_for_a_booking_cancelled_before_it_went_out_is_skipped(clock, confirmed):
    clock.at(DINNER - dt.timedelta(hours=2))
    assert job_run(name="reminders") == 1  # recorded; the send task has not run yet
    lifecycle.booking_cancel(booking=confirmed, actor=None)

    notification_deliver(notification_id=rows("reminder_2h")[0].pk)

    row = rows("reminder_2h")[0]
    assert (row.status, row.last_error) == ("skipped", "superseded: the booking has been cancelled since")


def test_a_reminder_still_queued_at_the_start_is_skipped(clock, confirmed):
    clock.at(DINNER - dt.timedelta(hours=2))
    assert job_run(name="reminders") == 1
    clock.at(DINNER)  # the queue fell behind

    notification_deliver(notification_id=rows("reminder_2h")[0].pk)

    row = rows("reminder_2h")[0]
    assert (row.status, row.last_error) == ("skipped", "superseded: the booking has started")
    assert not any("up soon" in m.subject for m in mail.outbox)


def test_a_late_24_hour_reminder_gives_way_to_the_2_hour_one(clock, run, confirmed):
    """After an outage both are due: the guest gets the one that is still true, not "see you tomorrow"."""
    clock.at(DINNER - dt.timedelta(hours=1))
    assert run("reminders") == 1
    assert [n.kind for n in Notification.objects.filter(kind__startswith="reminder")] == ["reminder_2h"]


def test_no_reminders_when_the_restaurant_turned_them_off(clock, run, confirmed):
    confirmed.restaurant.reminders_enabled = False
    confirmed.restaurant.save()

    for before in (24, 2):
        clock.at(DINNER - dt.timedelta(hours=before))
        assert run("reminders") == 0


# --- acceptance 4: only to an email the guest gave ------------------------------------------------------
def test_a_reminder_for_a_walk_in_whose_email_fell_back_to_the_restaurant_is_skipped(clock, book, confirm, run):
    walk_in = book(WEDNESDAY, channel=Channel.OPS, email=..., phone=...)
    assert walk_in.customer_email == walk_in.restaurant.contact_email
    clock.later(hours=1)
    confirm(walk_in)
    mail.outbox.clear()

    clock.at(DINNER - dt.timedelta(hours=24))
    assert run("reminders") == 1

    (row,) = rows("reminder_24h")
    assert (row.status, row.recipient_source, row.recipient) == ("skipped", "none", "")
    assert row.last_error.startswith("no guest email")
    assert mail.outbox == []


def test_nothing_ever_goes_to_a_placeholder_address(clock, book, confirm, run, restaurant):
    restaurant.contact_email = ""
    restaurant.save()
    walk_in = book(WEDNESDAY, channel=Channel.OPS, email=..., phone=...)
    assert walk_in.customer_email.endswith("@system.local")
    clock.later(hours=1)
    confirm(walk_in)

    for before in (24, 2):
        clock.at(DINNER - dt.timedelta(hours=before))
        assert run("reminders") == 1

    assert {(n.kind, n.status) for n in rows("reminder_24h") + rows("reminder_2h")} == {
        ("reminder_24h", "skipped"),
        ("reminder_2h", "skipped"),
    }
    assert all(n.last_error.startswith("no guest email") for n in Notification.objects.filter(kind__startswith="rem"))
    assert not [to for message in mail.outbox for to in message.to if to.endswith("@system.local")]
    assert not Notification.objects.filter(recipient__endswith="@system.local").exists()


def test_reminders_for_a_booking_made_by_phone_with_the_guests_email_go_to_the_guest(clock, book, confirm, run):
    by_phone = book(WEDNESDAY, channel=Channel.OPS, source="phone")
    clock.later(hours=1)
    confirm(by_phone)

    clock.at(DINNER - dt.timedelta(hours=24))
    assert run("reminders") == 1
    assert rows("reminder_24h")[0].recipient == GUEST
