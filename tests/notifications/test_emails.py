"""What the emails say: subjects of DESIGN 6, local time with the zone named across DST (acceptance 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.creation import Channel
from notifications.emails import SUBJECTS, local_datetime_label
from notifications.models import Notification
from notifications.tasks import send_notification
from tests.builders import GUEST_CONTACTS
from tests.factories import RestaurantFactory, TableFactory

pytestmark = pytest.mark.django_db
# Dinner at 19:00 for the guest, with their email and a New York phone number (whatever the channel).
NEW_YORK_DINNER = {**GUEST_CONTACTS, "time": "19:00", "phone": "+1 212 555 0123"}


@pytest.fixture
def corner_and_co(db):
    """Corner & Co, a New York restaurant with one six-seat table, allocated by hand."""
    restaurant = RestaurantFactory(
        name="Corner & Co",
        auto_allocate=False,
        timezone="America/New_York",
        country="US",
        address="5 Main St\nBrooklyn, NY",
        contact_phone="+12125550100",
    )
    TableFactory(restaurant=restaurant, max_seats=6)
    return restaurant


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (dt.date(2027, 3, 13), "Saturday 13 March 2027, 19:00 (America/New_York, EST)"),
        (dt.date(2027, 3, 20), "Saturday 20 March 2027, 19:00 (America/New_York, EDT)"),
        (dt.date(2027, 11, 6), "Saturday 6 November 2027, 19:00 (America/New_York, EDT)"),
        (dt.date(2027, 11, 13), "Saturday 13 November 2027, 19:00 (America/New_York, EST)"),
    ],
)
def test_bodies_show_local_time_on_both_sides_of_dst(make_booking, corner_and_co, day, label):
    booking = make_booking(restaurant=corner_and_co, channel=Channel.OPS, date=day.isoformat(), **NEW_YORK_DINNER)

    message = mail.outbox[0]
    assert f"When:        {label} until 21:00" in message.body
    assert label in message.alternatives[0].content
    assert booking.start_at.astimezone(dt.UTC).hour == (23 if "EDT" in label else 0)


def test_the_ticket_is_in_the_restaurant_timezone_after_spring_forward(make_booking, committed, corner_and_co):
    booking = make_booking(restaurant=corner_and_co, channel=Channel.OPS, date="2027-03-20", **NEW_YORK_DINNER)
    mail.outbox.clear()

    with committed():
        lifecycle.booking_confirm(booking=booking, actor=None)

    calendar = Calendar.from_ical(mail.outbox[0].attachments[0][1])
    event = calendar.events[0]
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.start.utcoffset() == dt.timedelta(hours=-4)
    assert event.start == dt.datetime(2027, 3, 20, 23, 0, tzinfo=dt.UTC)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert "5 Main St, Brooklyn, NY" in str(event["location"])


def test_local_label_names_the_zone():
    instant = dt.datetime(2026, 7, 4, 18, 30, tzinfo=dt.UTC)
    assert local_datetime_label(instant, RestaurantFactory.build(timezone="Europe/London").tz) == (
        "Saturday 4 July 2026, 19:30 (Europe/London, BST)"
    )


# Every kind of DESIGN 6, with the status in which its news is true (any other would be superseded).
KINDS_AND_STATUSES = {
    "request_received": "pending_allocation",
    "staff_new_request": "pending_allocation",
    "staff_pending_attention": "pending_allocation",
    "updated": "pending_allocation",
    "modification_requested": "pending_allocation",
    "staff_guest_changed": "pending_allocation",
    "confirmation": "confirmed",
    "reminder_24h": "confirmed",
    "reminder_2h": "confirmed",
    "restaurant_cancellation": "cancelled",
    "guest_cancellation": "cancelled",
    "staff_guest_cancelled": "cancelled",
    "booking_declined": "cancelled",
    "review_request": "completed",
}
STATUS_WORDS = {
    "pending_allocation": "Request received – awaiting a table",
    "confirmed": "Confirmed",
    "cancelled": "Cancelled",
    "completed": "Completed",
}


def _design_subjects(booking) -> dict[str, str]:
    local = booking.start_at.astimezone(booking.restaurant.tz)
    reference = booking.reference
    return {
        "request_received": "Reservation request received – Corner & Co",
        "confirmation": "Your reservation ticket – Corner & Co",
        "restaurant_cancellation": "Important update on your booking – Corner & Co",
        "guest_cancellation": "Booking cancelled – Corner & Co",
        "updated": "Reservation updated – Corner & Co",
        "staff_new_request": f"New booking request {reference} – Corner & Co",
        "modification_requested": "Reservation change requested – Corner & Co",
        "staff_guest_changed": f"Booking {reference} changed by the guest – Corner & Co",
        "staff_guest_cancelled": f"Booking {reference} cancelled by the guest – Corner & Co",
        "booking_declined": "Update on your request – Corner & Co",
        "reminder_24h": f"Corner & Co on {local:%A} {local.day} {local:%B} at {local:%H:%M}",
        "reminder_2h": "You're up soon at Corner & Co",
        "review_request": "How was your visit at Corner & Co?",
        "staff_pending_attention": f"Action needed: booking {reference} pending",
    }


def test_every_kind_of_the_design_has_a_subject():
    assert set(SUBJECTS) == set(KINDS_AND_STATUSES) == set(Notification.Kind.values)


@pytest.mark.parametrize(("kind", "status"), KINDS_AND_STATUSES.items())
def test_each_kind_has_the_design_subject_and_both_bodies(make_booking, corner_and_co, kind, status):
    corner_and_co.review_url = "https://reviews.example.com/corner-and-co"
    corner_and_co.save()
    booking = make_booking(restaurant=corner_and_co, **NEW_YORK_DINNER)
    stamps = {"checked_in_at": booking.start_at, "checked_out_at": booking.end_at} if status == "completed" else {}
    Booking.objects.filter(pk=booking.pk).update(status=status, **stamps)
    Notification.objects.all().delete()
    mail.outbox.clear()
    row = Notification.objects.create(
        booking=booking, kind=kind, dedupe_key=f"{kind}:{booking.start_at.isoformat()}", queued_at=booking.created_at
    )

    send_notification.delay(row.pk)

    row.refresh_from_db()
    assert (row.status, row.last_error) == ("sent", "")
    [message] = mail.outbox
    assert message.subject == _design_subjects(booking)[kind]
    html = message.alternatives[0].content
    assert "Corner &amp; Co" in html and "Corner & Co" in message.body  # escaped in HTML only
    for text in (message.body, html):
        assert booking.reference in text
        assert booking.customer_name.split()[0] in text
        assert "Party size" in text and "Dinner" in text and "Any" in text
        assert "+12125550100" in text and corner_and_co.contact_email in text
        assert STATUS_WORDS[status] in text
