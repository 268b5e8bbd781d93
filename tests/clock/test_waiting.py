"""Waiting requests (DESIGN 11, issue 11 acceptance 2): "action needed" to the restaurant, then expiry.

Web requests only, measured from the latest entry into the pending status. Each rule is tested at
its boundary: a minute before nothing, at the due time once, and a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.models import Booking
from bookings.services.creation import Channel
from bookings.services.lifecycle import EXPIRED
from bookings.services.modification import booking_modify
from tests.clock.conftest import START, london, rows, sent_to

pytestmark = pytest.mark.django_db
S = Booking.Status
MINUTE = dt.timedelta(minutes=1)
WEDNESDAY = dt.date(2026, 6, 3)  # dinner at 19:00 London is 18:00 UTC, 57 hours after START
FRIDAY = dt.date(2026, 6, 5)


# --- pending attention ----------------------------------------------------------------------------
def test_the_restaurant_is_told_once_when_a_web_request_has_waited_30_minutes(clock, book, run, restaurant):
    booking = book(WEDNESDAY)
    assert booking.status == S.PENDING_ALLOCATION and booking.pending_since == START

    clock.at(START + dt.timedelta(minutes=30) - MINUTE)
    assert run("pending_attention") == 0
    clock.at(START + dt.timedelta(minutes=30))
    assert run("pending_attention") == 1
    assert run("pending_attention") == 0
    clock.later(minutes=45)
    assert run("pending_attention") == 0

    (row,) = rows("staff_pending_attention")
    assert (row.status, row.recipient) == ("sent", restaurant.contact_email)
    assert sent_to(restaurant.contact_email).count(f"Action needed: booking {booking.reference} pending") == 1
    assert "has waited 30 minutes" in mail.outbox[-1].body


def test_the_wait_before_attention_is_the_restaurants_setting(clock, book, run, restaurant):
    restaurant.pending_attention_minutes = 90
    restaurant.save()
    book(WEDNESDAY)

    clock.at(START + dt.timedelta(minutes=89))
    assert run("pending_attention") == 0
    clock.at(START + dt.timedelta(minutes=90))
    assert run("pending_attention") == 1


def test_an_answered_request_gets_no_attention_email(clock, book, run, confirm):
    booking = book(WEDNESDAY)
    clock.later(minutes=20)
    confirm(booking)

    clock.later(minutes=20)
    assert run("pending_attention") == 0
    assert rows("staff_pending_attention") == []


@pytest.mark.parametrize("source", ["walk-in", "phone"])
def test_bookings_made_by_staff_never_wait_for_attention_nor_expire(clock, book, run, source):
    booking = book(WEDNESDAY, channel=Channel.OPS, source=source)
    assert booking.status == S.PENDING_ALLOCATION

    for minutes in (30, 24 * 60, 56 * 60):  # attention, the hours rule, an hour before the start
        clock.at(START + dt.timedelta(minutes=minutes))
        assert run("pending_attention") == 0
        assert run("request_expiry") == 0
    booking.refresh_from_db()
    assert booking.status == S.PENDING_ALLOCATION
    assert rows("staff_pending_attention") == [] and rows("booking_declined") == []


# --- expiry: the hours rule ---------------------------------------------------------------------------
def test_a_request_unanswered_for_24_hours_expires_once(clock, book, run):
    booking = book(WEDNESDAY)
    mail.outbox.clear()

    clock.at(START + dt.timedelta(hours=24) - MINUTE)
    assert run("request_expiry") == 0
    clock.at(START + dt.timedelta(hours=24))
    assert run("request_expiry") == 1
    assert run("request_expiry") == 0

    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    change = booking.status_changes.first()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        S.PENDING_ALLOCATION,
        S.CANCELLED,
        EXPIRED,
        None,
    )
    (row,) = rows("booking_declined")
    assert (row.status, row.recipient) == ("sent", "ada@example.com")
    assert rows("restaurant_cancellation") == []
    (message,) = mail.outbox
    assert message.subject == f"Update on your request – {booking.restaurant.name}"
    assert "Your request has expired" in message.body
    assert "could not answer your request in time" in message.body
    assert f"/r/{booking.restaurant.slug}/" in message.body


def test_the_expiry_hours_are_the_restaurants_setting(clock, book, run, restaurant):
    restaurant.request_expiry_hours = 6
    restaurant.save()
    booking = book(WEDNESDAY)

    clock.at(START + dt.timedelta(hours=6) - MINUTE)
    assert run("request_expiry") == 0
    clock.at(START + dt.timedelta(hours=6))
    assert run("request_expiry") == 1
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED


# --- expiry: an hour before the start -----------------------------------------------------------------
def test_a_request_still_waiting_an_hour_before_its_start_expires(clock, book, run):
    booking = book(START.date(), "14:00")  # 13:00 UTC, made four hours before

    clock.at(london(1, 13, 0) - MINUTE)
    assert run("request_expiry") == 0
    clock.at(london(1, 13, 0))
    assert run("request_expiry") == 1
    assert run("request_expiry") == 0
    booking.refresh_from_db()
    assert (booking.status, booking.status_changes.first().reason) == (S.CANCELLED, EXPIRED)
    assert len(rows("booking_declined")) == 1


def test_a_request_made_within_the_hour_before_its_start_waits_the_full_hours(clock, book, run, restaurant):
    restaurant.min_notice_minutes = 15
    restaurant.save()
    booking = book(START.date(), "10:45")  # 45 minutes ahead: the one-hour rule does not apply

    clock.at(london(1, 10, 46))
    assert run("request_expiry") == 0
    clock.at(START + dt.timedelta(hours=24) - MINUTE)
    assert run("request_expiry") == 0
    clock.at(START + dt.timedelta(hours=24))
    assert run("request_expiry") == 1
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED


# --- a modified booking waits again ---------------------------------------------------------------------
def test_a_modified_booking_is_counted_from_its_return_to_pending(clock, book, run, confirm):
    booking = book(FRIDAY)
    clock.at(START + dt.timedelta(minutes=30))
    assert run("pending_attention") == 1
    clock.at(START + dt.timedelta(hours=1))
    confirm(booking)

    returned = clock.at(START + dt.timedelta(hours=5))
    booking = booking_modify(booking=booking, actor=None, start_time=dt.time(20, 0))
    assert (booking.status, booking.pending_since) == (S.PENDING_ALLOCATION, returned)

    clock.at(returned + dt.timedelta(minutes=30) - MINUTE)
    assert run("pending_attention") == 0
    clock.at(returned + dt.timedelta(minutes=30))
    assert run("pending_attention") == 1
    assert run("pending_attention") == 0
    keys = [row.dedupe_key for row in rows("staff_pending_attention", booking)]
    assert keys == [f"pending:{START.isoformat()}", f"pending:{returned.isoformat()}"]

    clock.at(START + dt.timedelta(hours=24))  # due, had it been counted from the creation
    assert run("request_expiry") == 0
    clock.at(returned + dt.timedelta(hours=24) - MINUTE)
    assert run("request_expiry") == 0
    clock.at(returned + dt.timedelta(hours=24))
    assert run("request_expiry") == 1
    booking.refresh_from_db()
    assert (booking.status, booking.status_changes.first().reason) == (S.CANCELLED, EXPIRED)
