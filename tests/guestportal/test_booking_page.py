"""The restaurant's booking page `/r/<slug>/` (DESIGN 10): search → slot buttons → details → confirmation.

Server-rendered and without JavaScript; it goes through the customer channel exactly as
`POST /api/bookings` does: the same pipeline, the same throttle (one count per client IP for the page
and the API), one booking per rendered form, a honeypot for bots.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.core import mail, signing
from django.test import Client

from bookings.models import Booking, Customer, TableAssignment
from guestportal.views import BOOKED_SALT
from notifications.models import Notification
from tests.concurrency import run_concurrently
from tests.factories import BookingFactory, RestaurantFactory, TableFactory
from tests.guestportal.conftest import DAY, build, subjects_to, throttle_rates

pytestmark = pytest.mark.django_db


def page(restaurant) -> str:
    return f"/r/{restaurant.slug}/"


def details(restaurant, **overrides) -> dict:
    """The details form as a browser posts it: the chosen slot, Ada's contacts, a fresh form key."""
    data = {
        "date": DAY.isoformat(),
        "time": "19:00",
        "party": "2",
        "bookingType": "dinner",
        "name": "Ada Lovelace",
        "email": "Ada@Example.com",
        "phone": "07911 123456",
        "notes": "",
        "website": "",
        "idempotencyKey": str(uuid.uuid4()),
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not ...}


def field_error(html: str, name: str) -> str:
    """The error shown inside field `name`'s own block, whose input says it is invalid."""
    block = re.search(
        rf'<div class="field has-error">(?:(?!<div class="field).)*?id="id_{name}"(?:(?!<div class="field).)*?</div>',
        html,
        re.S,
    )
    assert block, f"no error block for {name}"
    control = re.search(rf'<(input|textarea|select)[^>]*name="{name}"[^>]*>', block.group(0))
    assert control and 'aria-invalid="true"' in control.group(0)
    assert f'aria-describedby="id_{name}_error"' in control.group(0) or f"id_{name}_error" in control.group(0)
    error = re.search(rf'<div class="error" id="id_{name}_error">(.*?)</div>', block.group(0), re.S)
    assert error, f"no error text for {name}"
    return re.sub(r"<[^>]+>", " ", error.group(1)).strip()


def autofocused(html: str) -> list[str]:
    return re.findall(r'<(?:input|textarea|select)[^>]*name="([^"]+)"[^>]*\bautofocus\b', html)


def slot_buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="time" value="(\d\d:\d\d)"', html)


# --- search and slots --------------------------------------------------------------------------
def test_the_first_step_asks_for_a_date_and_a_party_without_javascript(client, restaurant):
    response = client.get(page(restaurant))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    assert '<form method="get"' in html
    assert '<label for="id_date">Date</label>' in html and '<label for="id_party">Guests</label>' in html
    assert 'value="2026-06-01"' in html  # today in the restaurant's timezone
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert slot_buttons(html) == []


def test_the_free_times_are_buttons(client, api_client, restaurant, tables):
    for table in tables:  # 19:00 is full
        TableAssignment.objects.create(booking=BookingFactory(restaurant=restaurant, booking_date=DAY), table=table)

    response = client.get(page(restaurant), {"date": "2026-06-10", "party": "2"})

    slots = api_client.get(f"/api/restaurants/{restaurant.slug}/availability?date=2026-06-10&party=2").json()
    free = [slot["time"] for slot in slots["slots"] if slot["available"]]
    assert response.status_code == 200
    assert slot_buttons(response.content.decode()) == free
    assert "Free times on Wednesday 10 June for 2" in response.content.decode()
    assert "17:15" not in free and "19:00" not in free and "20:45" not in free
    assert "17:00" in free and "21:00" in free


def test_choosing_a_time_asks_for_the_details_with_a_fresh_form_key(client, restaurant, tables):
    first = client.get(page(restaurant), {"date": "2026-06-10", "party": "3", "time": "19:15"})
    second = client.get(page(restaurant), {"date": "2026-06-10", "party": "3", "time": "19:15"})

    html = first.content.decode()
    assert first.status_code == 200
    assert "Table for 3 on Wednesday 10 June 2026 at 19:15 (Europe/London)" in html
    for name, value in {"date": "2026-06-10", "time": "19:15", "party": "3", "bookingType": "dinner"}.items():
        assert f'<input type="hidden" name="{name}" value="{value}"' in html
    assert '<input type="checkbox" name="marketingOptIn" id="id_marketingOptIn">' in html  # unticked
    keys = [f.context["details"]["idempotencyKey"].value() for f in (first, second)]
    assert keys[0] != keys[1]
    assert '<div class="trap" aria-hidden="true">' in html and 'tabindex="-1"' in html


def test_a_time_taken_meanwhile_is_said_and_the_others_offered(client, restaurant, tables):
    for table in tables:
        TableAssignment.objects.create(booking=BookingFactory(restaurant=restaurant, booking_date=DAY), table=table)

    response = client.get(page(restaurant), {"date": "2026-06-10", "party": "2", "time": "19:00"})

    html = response.content.decode()
    assert "19:00 is no longer free for 2" in html
    assert "21:00" in slot_buttons(html) and "details" not in response.context


def test_a_party_above_the_online_maximum_sees_the_phone_instead_of_times(client, restaurant, tables):
    response = client.get(page(restaurant), {"date": "2026-06-10", "party": "9"})

    html = response.content.decode()
    assert response.status_code == 200
    assert slot_buttons(html) == []
    assert "For a party of 9, please contact" in html
    assert '<a href="tel:+442079460000">+442079460000</a>' in html
    assert f'<a href="mailto:{restaurant.contact_email}">' in html


# --- booking -----------------------------------------------------------------------------------
def test_a_booking_lands_on_the_confirmation(client, restaurant, tables, committed):
    with committed():
        response = client.post(
            page(restaurant), details(restaurant, marketingOptIn="on"), HTTP_USER_AGENT="Phone", REMOTE_ADDR="192.0.2.1"
        )

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.source, booking.status, booking.party_size, booking.customer_email) == (
        "web",
        "pending_allocation",
        2,
        "ada@example.com",
    )
    assert booking.details["request"] == {"ip": "192.0.2.1", "userAgent": "Phone"}
    assert booking.marketing_opt_in is True
    assert Customer.objects.get().marketing_opt_in is False  # only the manage link carries consent over
    confirmation = client.get(response["Location"])
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert booking.reference in html
    assert "Request received: the restaurant will confirm your table shortly" in html
    assert "We have emailed you" in html
    assert "Wednesday 10 June 2026 at 19:00 (Europe/London)" in html
    assert subjects_to("ada@example.com") == [f"Reservation request received – {restaurant.name}"]


@pytest.mark.parametrize("value", ["not-a-uuid", ["a"], {"a": 1}, None])
def test_a_confirmation_link_that_names_no_booking_id_is_a_404(client, restaurant, value):
    signed = signing.dumps(value, salt=BOOKED_SALT)

    assert client.get(f"/r/{restaurant.slug}/booked/{signed}").status_code == 404
    assert client.get(f"/r/{restaurant.slug}/booked/tampered{signed}").status_code == 404


def test_a_double_submit_is_one_booking(client, restaurant, tables, committed):
    data = details(restaurant)
    with committed():
        first = client.post(page(restaurant), data)
        second = client.post(page(restaurant), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert subjects_to("ada@example.com") == [f"Reservation request received – {restaurant.name}"]


def test_the_same_form_sent_again_with_other_details_makes_no_second_booking(client, restaurant, tables):
    data = details(restaurant)
    client.post(page(restaurant), data)

    response = client.post(page(restaurant), {**data, "name": "Someone Else"})

    assert response.status_code == 422
    assert "This form has already been sent" in response.content.decode()
    assert Booking.objects.count() == 1


def test_the_honeypot_stops_bots(client, restaurant, tables, caplog):
    response = client.post(page(restaurant), details(restaurant, website="http://spam.example"))

    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert (Booking.objects.count(), Customer.objects.count(), len(mail.outbox)) == (0, 0, 0)
    assert "event=honeypot" in caplog.text


def test_the_page_needs_its_csrf_token(restaurant, tables):
    response = Client(enforce_csrf_checks=True).post(page(restaurant), details(restaurant))
    assert response.status_code == 403
    assert Booking.objects.count() == 0


def test_the_page_and_the_api_share_one_throttle_per_client_ip(client, api_client, restaurant, tables, settings):
    throttle_rates(settings, public_booking="2/min")

    api = api_client.post("/api/bookings", build.body(restaurant, email="one@example.com"), format="json")
    first = client.post(page(restaurant), details(restaurant, email="two@example.com"))
    limited = client.post(page(restaurant), details(restaurant, email="three@example.com"))
    api_limited = api_client.post("/api/bookings", build.body(restaurant, email="four@example.com"), format="json")
    elsewhere = client.post(page(restaurant), details(restaurant, email="five@example.com"), REMOTE_ADDR="192.0.2.7")

    assert (api.status_code, first.status_code, limited.status_code, api_limited.status_code) == (201, 302, 429, 429)
    assert limited["Retry-After"] == "60"
    assert "Too many requests" in limited.content.decode()
    assert elsewhere.status_code == 302
    assert Booking.objects.count() == 3


def test_errors_are_shown_next_to_their_fields_and_the_first_takes_the_focus(client, restaurant, tables):
    response = client.post(page(restaurant), details(restaurant, name=" A ", email="not-an-email"))

    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, "name") == "Ensure this field has at least 2 characters."
    assert field_error(html, "email") == "Enter a valid email address."
    assert autofocused(html) == ["name"]
    assert "Please correct the fields marked below." in html
    assert "Table for 2 on Wednesday 10 June 2026 at 19:00 (Europe/London)." in html  # the slot still in words
    assert 'value="not-an-email"' in html  # what the guest typed is kept
    assert Booking.objects.count() == 0


def test_a_single_later_error_takes_the_focus(client, restaurant, tables):
    response = client.post(page(restaurant), details(restaurant, phone="07700 900123"))  # not a valid UK number

    html = response.content.decode()
    assert field_error(html, "phone") == "Enter a valid phone number."
    assert autofocused(html) == ["phone"]


def test_missing_fields_are_errors_next_to_them(client, restaurant, tables):
    response = client.post(page(restaurant), details(restaurant, name=..., email=..., phone=...))

    html = response.content.decode()
    assert response.status_code == 400
    assert [field_error(html, name) for name in ("name", "email", "phone")] == ["This field is required."] * 3
    assert autofocused(html) == ["name"]


def test_a_slot_filled_before_submit_offers_the_nearest_free_times(client, restaurant, tables):
    form = client.get(page(restaurant), {"date": "2026-06-10", "party": "2", "time": "19:00"})
    assert form.status_code == 200
    for table in tables:  # somebody took every table at 18:30-20:30 meanwhile
        booking = BookingFactory(
            restaurant=restaurant, booking_date=DAY, start_time=dt.time(18, 30), end_time=dt.time(20, 30)
        )
        TableAssignment.objects.create(booking=booking, table=table)

    response = client.post(page(restaurant), details(restaurant))

    html = response.content.decode()
    assert response.status_code == 409
    assert "No table for 2 is free at 19:00." in html
    assert "The nearest free times that day:" in html
    assert slot_buttons(html) == ["20:30", "20:45", "21:00"]
    assert 'value="Ada Lovelace"' in html  # the details typed are kept
    assert Booking.objects.count() == 4


def test_a_fourth_booking_for_one_email_is_refused_next_to_the_email(client, restaurant, tables):
    for hour in ("12:00", "13:00", "14:00"):
        assert client.post(page(restaurant), details(restaurant, time=hour, bookingType="lunch")).status_code == 302

    response = client.post(page(restaurant), details(restaurant))

    assert response.status_code == 429
    assert "has made 3 online bookings here in the last 24 hours" in field_error(response.content.decode(), "email")
    assert Booking.objects.count() == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2026-06-01", "time": "11:30", "bookingType": "lunch"}, "Online bookings close 60 minutes before"),
        ({"date": "2026-09-01"}, "takes online bookings up to 90 days ahead"),
        ({"party": "9"}, "Parties of more than 8 book with"),
    ],
)
def test_online_limits_are_explained(client, restaurant, tables, overrides, message):
    TableFactory(restaurant=restaurant, max_seats=10)
    response = client.post(page(restaurant), details(restaurant, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Booking.objects.count() == 0


# --- nothing is a 500 --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date": "2026-02-30", "party": "2"}, "date"),
        ({"date": "0001-01-01", "party": "2"}, "date"),
        ({"date": "9999-12-31", "party": "2"}, "date"),
        ({"party": "2"}, "date"),
        ({"date": "2026-06-10", "party": "two"}, "party"),
        ({"date": "2026-06-10", "party": "0"}, "party"),
        ({"date": "2026-06-10", "party": "99999999999999999999"}, "party"),
        ({"date": "2026-06-10"}, "party"),
    ],
)
def test_a_bad_search_is_a_400_with_the_error_next_to_the_field(client, restaurant, tables, query, field):
    response = client.get(page(restaurant), query)

    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, field)
    assert autofocused(html) == [field]
    assert slot_buttons(html) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"party": "two"},
        {"party": "-1"},
        {"party": "100000"},
        {"party": ...},
        {"date": "2026-02-30"},
        {"date": "9999-12-31"},
        {"date": ...},
        {"time": "25:61"},
        {"bookingType": "brunch"},
        {"idempotencyKey": "not-a-uuid"},
        {"idempotencyKey": ...},
        {"notes": "x" * 501},
        {"name": "x" * 121},
    ],
)
def test_a_tampered_or_broken_submission_is_a_400(client, restaurant, tables, overrides):
    response = client.post(page(restaurant), details(restaurant, **overrides))

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Booking.objects.count() == 0


def test_unknown_or_closed_restaurants_are_404(client, restaurant):
    inactive = RestaurantFactory(is_active=False)
    assert client.get("/r/nowhere/").status_code == 404
    assert client.get(page(inactive)).status_code == 404
    assert client.post(page(inactive), details(inactive)).status_code == 404


def test_the_confirmation_page_needs_its_signed_link(client, restaurant, tables, time_machine):
    location = client.post(page(restaurant), details(restaurant))["Location"]
    other = RestaurantFactory()

    assert client.get(location).status_code == 200
    assert client.get(location[:-2] + "xx").status_code == 404
    assert client.get(location.replace(restaurant.slug, other.slug)).status_code == 404
    time_machine.shift(dt.timedelta(hours=1, seconds=1))
    assert client.get(location).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_submits_of_one_form_make_one_booking(restaurant, tables):
    """A frantic double (quintuple) click: one booking, one request email; every answer points at it
    or says the first is still in progress."""
    data = details(restaurant)

    def submit(i: int):
        response = Client().post(page(restaurant), data)
        return response.status_code, response.get("Location")

    outcomes = run_concurrently(submit, 5)

    assert Booking.objects.count() == 1
    locations = {location for status, location in outcomes if status == 302}
    assert len(locations) == 1, outcomes
    assert {status for status, _ in outcomes} <= {302, 409}, outcomes
    assert Notification.objects.filter(kind="request_received").count() == 1
