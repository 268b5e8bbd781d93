"""The manage pages behind the link (DESIGN 10): the booking, the .ics, cancel with a confirmation
step, change through the free times, and after the cut-off the restaurant's phone (acceptance 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.models import Booking, TableAssignment
from bookings.tokens import manage_token
from tests.factories import BookingFactory, TableFactory
from tests.guestportal.conftest import DAY, snapshot, subjects_to
from tests.guestportal.test_booking_page import slot_buttons

pytestmark = pytest.mark.django_db

PHONE_LINK = '<a href="tel:+442079460000">+442079460000</a>'


def test_the_page_shows_the_booking(client, restaurant, guest_booking, token):
    Booking.objects.filter(pk=guest_booking.pk).update(notes="Window seat & a cake")

    response = client.get(f"/b/{token}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    for text in (
        restaurant.name,
        "Wednesday 10 June 2026 at 19:00 (Europe/London)",
        "<dt>Guests</dt><dd>2</dd>",
        "Request received: the restaurant will confirm your table shortly",
        guest_booking.reference,
        "Window seat &amp; a cake",
        f'href="/b/{token}/calendar.ics"',
        f'href="/b/{token}/change"',
        f'href="/b/{token}/cancel"',
        "You can change or cancel online until Wednesday 10 June, 17:00 (Europe/London).",
        '<input type="checkbox" name="marketingOptIn" id="id_marketingOptIn">',
    ):
        assert text in html, text


def test_the_calendar_file_is_in_the_restaurants_timezone(client, guest_booking, token):
    response = client.get(f"/b/{token}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="booking-{guest_booking.reference}.ics"'
    event = Calendar.from_ical(response.content).events[0]
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event.start == dt.datetime(2026, 6, 10, 18, 0, tzinfo=dt.UTC)


def test_cancelling_asks_first_then_cancels(client, restaurant, guest_booking, token, committed):
    before = snapshot(guest_booking)
    question = client.get(f"/b/{token}/cancel")

    html = question.content.decode()
    assert question.status_code == 200
    assert "Cancel your booking?" in html
    assert f'<form method="post" action="/b/{token}/cancel">' in html
    assert "Yes, cancel my booking" in html and f'href="/b/{token}">No, keep it' in html
    assert snapshot(guest_booking) == before  # asking changes nothing

    mail.outbox.clear()
    with committed():
        done = client.post(f"/b/{token}/cancel")

    assert (done.status_code, done["Location"]) == (302, f"/b/{token}")
    assert Booking.objects.get(pk=guest_booking.pk).status == "cancelled"
    after = client.get(f"/b/{token}").content.decode()
    assert "Your booking is cancelled. We have emailed you a confirmation." in after
    assert '<dt>Status</dt><dd class="status">Cancelled</dd>' in after
    assert f'href="/b/{token}/change"' not in after and f'href="/b/{token}/cancel"' not in after
    assert "calendar.ics" not in after  # no calendar entry for a visit that will not happen
    assert subjects_to("ada@example.com") == [f"Booking cancelled – {restaurant.name}"]
    assert subjects_to(f"hello@{restaurant.slug}.example.com") == [
        f"Booking {guest_booking.reference} cancelled by the guest – {restaurant.name}"
    ]


def test_changing_offers_the_free_times_of_the_new_day_and_party(client, restaurant, tables, guest_booking, token):
    start = client.get(f"/b/{token}/change")
    assert start.status_code == 200
    assert 'value="2026-06-10"' in start.content.decode() and 'value="2"' in start.content.decode()
    for table in tables[1:]:  # every table that seats four is taken at 20:00-22:00
        other = BookingFactory(restaurant=restaurant, booking_date=DAY, start_time=dt.time(20), end_time=dt.time(22))
        TableAssignment.objects.create(booking=other, table=table)

    response = client.get(f"/b/{token}/change", {"date": "2026-06-10", "party": "4"})

    buttons = slot_buttons(response.content.decode())
    assert response.status_code == 200
    assert "18:00" in buttons and "19:00" not in buttons and "21:00" not in buttons
    assert '<form method="post" action="/b/' in response.content.decode()


def test_a_change_goes_through_and_tells_both(client, restaurant, tables, guest_booking, token, committed):
    mail.outbox.clear()
    with committed():
        response = client.post(f"/b/{token}/change", {"date": "2026-06-10", "party": "4", "time": "18:00"})

    assert (response.status_code, response["Location"]) == (302, f"/b/{token}")
    booking = Booking.objects.get(pk=guest_booking.pk)
    assert (booking.party_size, booking.start_time, booking.status) == (4, dt.time(18), "pending_allocation")
    assert "Change requested: the restaurant will confirm it." in client.get(f"/b/{token}").content.decode()
    assert subjects_to("ada@example.com") == [f"Reservation change requested – {restaurant.name}"]
    assert subjects_to(f"hello@{restaurant.slug}.example.com") == [
        f"Booking {booking.reference} changed by the guest – {restaurant.name}"
    ]


def test_a_party_above_the_online_maximum_sees_the_phone_on_the_change_page(client, guest_booking, token):
    response = client.get(f"/b/{token}/change", {"date": "2026-06-10", "party": "9"})

    html = response.content.decode()
    assert "For a party of 9, please contact" in html and PHONE_LINK in html
    assert slot_buttons(html) == []


def test_a_change_to_a_slot_taken_meanwhile_is_409_with_the_free_times(
    client, restaurant, tables, guest_booking, token
):
    for table in tables[1:]:
        other = BookingFactory(restaurant=restaurant, booking_date=DAY, start_time=dt.time(18), end_time=dt.time(20))
        TableAssignment.objects.create(booking=other, table=table)
    before = snapshot(guest_booking)

    response = client.post(f"/b/{token}/change", {"date": "2026-06-10", "party": "4", "time": "18:00"})

    html = response.content.decode()
    assert response.status_code == 409
    assert "No table for 4 is free at 18:00." in html
    assert "20:00" in slot_buttons(html) and "18:00" not in slot_buttons(html)
    assert snapshot(guest_booking) == before


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"date": "2026-06-10", "party": "four", "time": "18:00"}, 400, "That change could not be read"),
        ({"date": "2026-06-10", "party": "4"}, 400, "That change could not be read"),
        ({"date": "2026-02-30", "party": "4", "time": "18:00"}, 400, "That change could not be read"),
        ({"date": "2026-06-10", "party": "4", "time": "25:00"}, 400, "That change could not be read"),
        ({"date": "2026-06-10", "party": "100000", "time": "18:00"}, 400, "That change could not be read"),
        ({"date": "2026-06-10", "party": "9", "time": "18:00"}, 400, "Parties of more than 8 book with"),
        ({"date": "2026-06-10", "party": "4", "time": "07:00"}, 400, "Bookings on 2026-06-10 start between"),
        ({"date": "2026-09-10", "party": "4", "time": "18:00"}, 400, "up to 90 days ahead"),
    ],
)
def test_a_bad_change_is_a_4xx_and_changes_nothing(client, restaurant, guest_booking, token, data, status, message):
    TableFactory(restaurant=restaurant, max_seats=10)  # a table for nine: the online maximum is what refuses
    before = snapshot(guest_booking)

    response = client.post(f"/b/{token}/change", data)

    assert response.status_code == status
    assert message in response.content.decode()
    assert snapshot(guest_booking) == before


def _after_the_cutoff(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 10, 16, 30, tzinfo=dt.UTC), tick=False)  # 17:30 in London


def test_after_the_cutoff_the_page_shows_the_phone_instead_of_actions(client, guest_booking, token, time_machine):
    _after_the_cutoff(time_machine)

    html = client.get(f"/b/{token}").content.decode()

    assert "This booking can no longer be changed online." in html and PHONE_LINK in html
    assert f'href="/b/{token}/change"' not in html and f'href="/b/{token}/cancel"' not in html
    assert 'name="marketingOptIn"' not in html
    for path in ("change", "cancel"):
        other = client.get(f"/b/{token}/{path}").content.decode()
        assert PHONE_LINK in other and '<form method="post"' not in other


def test_after_the_cutoff_the_consent_switch_is_refused_too(client, guest_booking, token, time_machine):
    """DESIGN 10: the switch is one of the page's actions until the cut-off; then the phone."""
    guest_booking.customer.marketing_opt_in = True
    guest_booking.customer.save()
    _after_the_cutoff(time_machine)

    response = client.post(f"/b/{token}/consent", {})

    assert response.status_code == 409 and PHONE_LINK in response.content.decode()
    guest_booking.customer.refresh_from_db()
    assert guest_booking.customer.marketing_opt_in is True


@pytest.mark.parametrize(
    ("path", "data"),
    [("cancel", {}), ("change", {"date": "2026-06-10", "party": "4", "time": "18:00"})],
)
def test_after_the_cutoff_a_change_or_cancel_is_409_with_the_phone(
    client, guest_booking, token, time_machine, path, data
):
    _after_the_cutoff(time_machine)
    before = snapshot(guest_booking)

    response = client.post(f"/b/{token}/{path}", data)

    html = response.content.decode()
    assert response.status_code == 409
    assert "This booking can no longer be changed online; please contact" in html
    assert "+442079460000" in html
    assert snapshot(guest_booking) == before


@pytest.mark.parametrize("status", ["checked_in", "completed", "cancelled", "no_show"])
@pytest.mark.parametrize(
    ("path", "data"),
    [("cancel", {}), ("change", {"date": "2026-06-10", "party": "4", "time": "18:00"})],
)
def test_in_a_final_status_a_change_or_cancel_is_409(client, restaurant, status, path, data):
    booking = BookingFactory(restaurant=restaurant, booking_date=DAY, status=status)
    token = manage_token(booking)
    before = snapshot(booking)

    response = client.post(f"/b/{token}/{path}", data)

    assert response.status_code == 409
    assert PHONE_LINK in response.content.decode()
    assert snapshot(booking) == before


def test_link_scanners_change_nothing(client, guest_booking, token):
    """Mail filters fetch links before the guest does: GET and HEAD on every page only read."""
    before = snapshot(guest_booking)
    for path in ("", "/cancel", "/change", "/calendar.ics"):
        assert client.get(f"/b/{token}{path}").status_code == 200, path
        assert client.head(f"/b/{token}{path}").status_code == 200, path
    assert client.get(f"/b/{token}/consent").status_code == 405
    assert snapshot(guest_booking) == before
