"""DESIGN 6: every booking event reaches an inbox once, or is recorded as skipped (acceptance 1, 2)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar
from kombu.exceptions import OperationalError

from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.creation import Channel
from bookings.services.modification import booking_modify
from notifications.models import Notification
from notifications.sending import notification_deliver
from notifications.services import notification_record
from notifications.tasks import send_notification
from tests.builders import GUEST_CONTACTS
from tests.notifications.conftest import build

pytestmark = pytest.mark.django_db
S = Booking.Status
Kind = Notification.Kind


def _only(kind) -> Notification:
    return Notification.objects.get(kind=kind)


def _mails_to(address) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_customer_booking_sends_one_request_received_to_the_guest(make_booking, restaurant):
    booking = make_booking()

    guest_mails = _mails_to(booking.customer_email)
    assert [m.subject for m in guest_mails] == [f"Reservation request received – {restaurant.name}"]
    assert guest_mails[0].reply_to == [restaurant.contact_email]
    row = _only(Kind.REQUEST_RECEIVED)
    assert (row.status, row.recipient_source, row.attempts) == ("sent", "guest", 1)
    assert row.recipient == booking.customer_email
    assert row.provider_message_id == guest_mails[0].extra_headers["Message-ID"]
    assert row.sent_at is not None
    assert booking.reference in guest_mails[0].body


def test_web_booking_also_tells_the_restaurant(make_booking, restaurant):
    booking = make_booking()

    staff_mails = _mails_to(restaurant.contact_email)
    assert [m.subject for m in staff_mails] == [f"New booking request {booking.reference} – {restaurant.name}"]
    assert staff_mails[0].reply_to == [booking.customer_email]
    assert len(mail.outbox) == 2


def test_walk_in_sends_no_staff_copy(make_booking):
    make_booking(channel=Channel.OPS, **GUEST_CONTACTS)

    assert list(Notification.objects.values_list("kind", flat=True)) == [Kind.REQUEST_RECEIVED]
    assert len(mail.outbox) == 1


def test_walk_in_without_email_goes_to_the_restaurant(make_booking, restaurant):
    booking = make_booking(channel=Channel.OPS)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [restaurant.contact_email]
    assert message.subject == f"Reservation request received – {restaurant.name}"
    assert "The guest did not leave an email address" in message.body
    assert booking.customer_name in message.body
    assert "no email given" in message.body
    html = message.alternatives[0].content
    assert "The guest did not leave an email address" in html
    assert "system.local" not in message.body + html
    row = _only(Kind.REQUEST_RECEIVED)
    assert (row.status, row.recipient_source) == ("sent", "restaurant_fallback")


def test_no_email_anywhere_is_skipped_with_the_reason(make_booking, restaurant):
    restaurant.contact_email = ""
    restaurant.save()

    make_booking(channel=Channel.OPS)

    assert mail.outbox == []
    row = _only(Kind.REQUEST_RECEIVED)
    assert (row.status, row.recipient, row.recipient_source) == ("skipped", "", "none")
    assert row.last_error == "The guest left no email and the restaurant has no contact email"


def test_web_request_without_restaurant_email_skips_only_the_staff_copy(make_booking, restaurant):
    restaurant.contact_email = ""
    restaurant.save()

    booking = make_booking()

    assert [m.to for m in mail.outbox] == [[booking.customer_email]]
    staff = _only(Kind.STAFF_NEW_REQUEST)
    assert (staff.status, staff.last_error) == ("skipped", "The restaurant has no contact email")


def test_the_recipient_is_resolved_at_send_time(restaurant, committed):
    with committed():
        build.create(restaurant, channel=Channel.OPS)
    mail.outbox.clear()
    row = _only(Kind.REQUEST_RECEIVED)
    Notification.objects.filter(pk=row.pk).update(status="queued")
    restaurant.contact_email = "new-desk@example.com"
    restaurant.save()

    send_notification.delay(row.pk)

    assert [m.to for m in mail.outbox] == [["new-desk@example.com"]]


def test_confirm_sends_one_ticket_with_a_valid_ics(make_booking, committed, restaurant):
    booking = make_booking()
    mail.outbox.clear()

    with committed():
        lifecycle.booking_confirm(booking=booking, actor=None)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Your reservation ticket – {restaurant.name}"
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"booking-{booking.reference}.ics", "text/calendar")
    event = Calendar.from_ical(content).events[0]
    assert str(event["uid"]) == f"booking-{booking.pk}@tablekeeper"
    assert event.start == booking.start_at
    assert event.end == booking.end_at
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert restaurant.name in str(event["location"])
    assert str(booking.party_size) in str(event["summary"])


@pytest.mark.parametrize(
    ("by_guest", "kind", "subject"),
    [
        (False, Kind.RESTAURANT_CANCELLATION, "Important update on your booking – {}"),
        (True, Kind.GUEST_CANCELLATION, "Booking cancelled – {}"),
    ],
)
def test_cancellation_tells_the_guest_who_cancelled(make_seeded, committed, restaurant, by_guest, kind, subject):
    booking = make_seeded()
    mail.outbox.clear()

    with committed():
        lifecycle.booking_cancel(booking=booking, actor=None, by_guest=by_guest)

    assert [m.subject for m in mail.outbox] == [subject.format(restaurant.name)]
    assert _only(kind).status == "sent"


def test_check_in_check_out_no_show_and_undo_send_nothing(make_seeded, committed, restaurant):
    seated = make_seeded(booking_date=restaurant.today())
    absent = make_seeded(booking_date=restaurant.today())
    before = Notification.objects.count()

    with committed():
        lifecycle.booking_check_in(booking=seated, actor=None)
        lifecycle.booking_check_out(booking=seated, actor=None)
        lifecycle.booking_mark_no_show(booking=absent, actor=None)
        lifecycle.booking_undo_no_show(booking=absent, actor=None)

    assert Notification.objects.count() == before == 0
    assert mail.outbox == []


def test_a_rolled_back_booking_leaves_no_row_and_no_email(restaurant, committed):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        build.create(restaurant)
        assert Notification.objects.count() == 2  # recorded in the booking's transaction...
        raise RuntimeError("the request failed after the insert")

    assert Notification.objects.count() == 0  # ...and gone with it
    assert mail.outbox == []


def test_modifying_a_confirmed_booking_sends_updated_then_a_new_ticket(make_seeded, committed, restaurant):
    booking = make_seeded()
    mail.outbox.clear()

    with committed():
        booking = booking_modify(booking=booking, actor=None, party_size=5)
    assert booking.status == S.PENDING_ALLOCATION
    with committed():
        lifecycle.booking_confirm(booking=booking, actor=None)

    assert [m.subject for m in mail.outbox] == [
        f"Reservation updated – {restaurant.name}",
        f"Your reservation ticket – {restaurant.name}",
    ]
    assert "Party size:  5" in mail.outbox[0].body
    assert not Notification.objects.filter(kind=Kind.REQUEST_RECEIVED, dedupe_key__startswith="change").exists()


def test_modifying_a_pending_booking_sends_updated_each_time(make_booking, committed):
    booking = make_booking(channel=Channel.OPS, **GUEST_CONTACTS)
    mail.outbox.clear()

    with committed():
        booking = booking_modify(booking=booking, actor=None, start_time=dt.time(20))
    with committed():
        booking = booking_modify(booking=booking, actor=None, party_size=3)
    with committed():
        booking_modify(booking=booking, actor=None, notes="window seat please")  # not a slot change

    assert Notification.objects.filter(kind=Kind.UPDATED, status="sent").count() == 2
    assert len(mail.outbox) == 2


def test_a_broker_failure_at_dispatch_keeps_the_row_queued(restaurant, committed, monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_notification, "delay", broker_down)

    with caplog.at_level(logging.ERROR, logger="notifications.tasks"), committed():
        booking = build.create(restaurant).booking

    assert Booking.objects.filter(pk=booking.pk).exists()
    assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}
    assert "dispatch failed" in caplog.text
    assert mail.outbox == []


# --- acceptance 2: never twice --------------------------------------------------------------------


def test_saving_a_booking_again_sends_nothing_more(make_seeded, committed):
    booking = make_seeded()
    stale = Booking.objects.get(pk=booking.pk)  # loaded before the cancellation below
    with committed():
        lifecycle.booking_cancel(booking=booking, actor=None)
    sent = len(mail.outbox)

    with committed():
        booking.refresh_from_db()
        booking.save()
        stale.status = S.CANCELLED  # a second save of the same event, from an instance loaded before it
        stale.save()

    assert len(mail.outbox) == sent == 1  # the cancellation; a confirmed booking is not "created as pending"
    assert Notification.objects.filter(kind=Kind.RESTAURANT_CANCELLATION).count() == 1


def test_re_running_the_task_sends_nothing_more(make_booking):
    make_booking(channel=Channel.OPS, **GUEST_CONTACTS)
    row = _only(Kind.REQUEST_RECEIVED)

    send_notification.delay(row.pk)
    notification_deliver(notification_id=row.pk)

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


def test_the_sweep_leaves_sent_rows_alone(make_booking, committed):
    make_booking(channel=Channel.OPS, **GUEST_CONTACTS)
    Notification.objects.update(queued_at=timezone.now() - dt.timedelta(hours=1))

    with committed():
        call_command("notifications_redrive", "--older-than", "0")

    assert len(mail.outbox) == 1
    assert _only(Kind.REQUEST_RECEIVED).attempts == 1


def test_one_event_has_one_row_even_when_recorded_twice(make_booking):
    booking = make_booking(channel=Channel.OPS, **GUEST_CONTACTS)

    assert notification_record(booking=booking, kind=Kind.REQUEST_RECEIVED, dedupe_key="created") is None
    assert Notification.objects.filter(booking=booking).count() == 1
    assert len(mail.outbox) == 1
