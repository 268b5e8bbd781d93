"""The walk-in form at `/ops/bookings/new` and its confirmation card (DESIGN 7, issue 3)."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.test import Client

from bookings.models import Booking, Customer
from restaurants.models import OpeningHours
from tests.builders import tomorrow
from tests.factories import MembershipFactory, RestaurantFactory, ServicePeriodFactory, TableFactory, UserFactory
from tests.opsportal.conftest import build

pytestmark = pytest.mark.django_db

NEW_URL = "/ops/bookings/new"


@pytest.fixture
def staff(client, host, four_four_tops) -> Client:
    client.force_login(host)
    return client


def test_sign_in_is_required_and_the_login_page_is_staff_styled(client, db):
    response = client.get(NEW_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/ops/bookings/new")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Staff sign-in" in page.content.decode()
    assert "opsportal/ops.css" in page.content.decode()


def test_signing_in_from_the_form_returns_to_it(client, host):
    response = client.post(
        "/accounts/login/", {"username": host.username, "password": "pw-for-tests-123", "next": NEW_URL}
    )

    assert response.status_code == 302
    assert response["Location"] == NEW_URL


def test_form_defaults_today_the_current_slot_and_the_only_restaurant(staff, restaurant):
    day = tomorrow(restaurant)
    with time_machine.travel(dt.datetime.combine(day, dt.time(18, 7), tzinfo=restaurant.tz), tick=False):
        response = staff.get(NEW_URL)

    form = response.context["form"]
    assert response.status_code == 200
    assert list(form.fields["restaurantId"].queryset) == [restaurant]
    assert form.initial["restaurantId"] == restaurant.pk
    # The slot containing now is bookable on the ops channel (DESIGN 5.5): the guest is at the door.
    assert (form.initial["date"], form.initial["time"]) == (day.isoformat(), "18:00")
    html = response.content.decode()
    assert 'name="idempotencyKey"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<option value="{restaurant.pk}" selected>' in html
    assert "/admin/bookings/booking/" in html  # the ops board
    assert form.initial["party"] == 2
    assert 'value="18:00" id="id_time_' in html and "18:00 · dinner" in html  # offered, and chosen:
    assert re.search(r'<input type="radio" name="time" value="18:00"[^>]*checked', html)


def test_booking_type_defaults_to_the_service_period_of_the_slot(staff, restaurant):
    ServicePeriodFactory(restaurant=restaurant, name="lunch", start_time=dt.time(12), end_time=dt.time(15))
    day = tomorrow(restaurant)
    with time_machine.travel(dt.datetime.combine(day, dt.time(12, 40), tzinfo=restaurant.tz), tick=False):
        response = staff.get(NEW_URL)
        saved = staff.post(NEW_URL, build.form(restaurant, date=day.isoformat(), time="12:30", bookingType=""))

    assert response.context["form"].initial.get("bookingType", "") == ""  # "from the time"
    assert "12:30 · lunch" in response.content.decode()
    assert saved.status_code == 302 and Booking.objects.get().booking_type == "lunch"


@pytest.mark.parametrize(
    ("now", "interval", "slot"),
    [
        (dt.time(18, 0), 15, (0, dt.time(18, 0))),
        (dt.time(18, 14, 59), 15, (0, dt.time(18, 0))),
        (dt.time(18, 31), 30, (0, dt.time(18, 30))),
        (dt.time(6, 0), 15, (0, dt.time(8, 0))),  # before opening: the first slot
        (dt.time(21, 30), 15, (1, dt.time(8, 0))),  # after the last seating (21:00): tomorrow's first
    ],
)
def test_default_slot_is_on_the_grid_in_the_restaurants_timezone(
    client, host, restaurant, four_four_tops, now, interval, slot
):
    restaurant.timezone, restaurant.reservation_interval_minutes = "America/New_York", interval
    restaurant.save()
    day = dt.date(2030, 3, 1)
    with time_machine.travel(dt.datetime.combine(day, now, tzinfo=restaurant.tz), tick=False):
        client.force_login(host)  # a session made years before the travel would have expired
        initial = client.get(NEW_URL).context["form"].initial

    expected_day = day + dt.timedelta(days=slot[0])
    assert (initial["date"], initial["time"]) == (expected_day.isoformat(), f"{slot[1]:%H:%M}")


def test_default_slot_counts_the_grid_from_opening_time_and_the_validator_accepts_it(staff, restaurant):
    """A restaurant opening at 11:10 on a 15-minute grid: 11:10, 11:25, ... (not 11:15 from midnight)."""
    OpeningHours.objects.filter(restaurant=restaurant).update(opens_at=dt.time(11, 10))
    day = tomorrow(restaurant)
    with time_machine.travel(dt.datetime.combine(day, dt.time(11, 12), tzinfo=restaurant.tz), tick=False):
        initial = staff.get(NEW_URL).context["form"].initial
        assert (initial["date"], initial["time"]) == (day.isoformat(), "11:10")
        response = staff.post(
            NEW_URL,
            build.form(restaurant, date=initial["date"], time=initial["time"], bookingType=""),
        )

    assert response.status_code == 302
    assert Booking.objects.get().start_time == dt.time(11, 10)


def test_picker_lists_only_the_users_restaurants(staff, host, restaurant, other_restaurant_with_table):
    third = RestaurantFactory(name="Aardvark Arms")
    MembershipFactory(user=host, restaurant=third)

    form = staff.get(NEW_URL).context["form"]

    assert list(form.fields["restaurantId"].queryset) == [third, restaurant]
    assert other_restaurant_with_table.name not in staff.get(NEW_URL).content.decode()


def test_a_user_without_membership_is_refused(client, db):
    client.force_login(UserFactory())

    assert client.get(NEW_URL).status_code == 403


def test_contactless_walkin_redirects_to_the_confirmation_card(staff, restaurant, host, caplog):
    with caplog.at_level(logging.INFO, logger="tablekeeper.ops"):
        response = staff.post(NEW_URL, build.form(restaurant))

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ops/bookings/{booking.pk}/created"
    assert booking.created_by == host
    assert booking.source == "walk-in"
    assert booking.customer_email == restaurant.contact_email
    assert booking.details["channel"] == "ops"
    assert f"event=booking_created channel=ops via=form staff_id={host.pk}" in caplog.text

    card = staff.get(response["Location"]).content.decode()
    assert booking.reference in card
    assert "Allocation in progress" in card  # unified mode
    assert "the restaurant&#x27;s contact address, because the guest left no email" in card


@pytest.mark.parametrize(
    ("restaurant_email", "guest_email", "words"),
    [
        ("hello@example.com", "guest@example.com", "Goes to the guest."),
        ("", "", "nobody: no email given and the restaurant has no contact address"),
    ],
)
def test_card_says_where_the_notification_goes(client, restaurant_email, guest_email, words, settings):
    settings.BOOKING_VALIDATION_MODE = "legacy"
    restaurant = RestaurantFactory(contact_email=restaurant_email)
    membership = MembershipFactory(restaurant=restaurant)
    client.force_login(membership.user)

    response = client.post(NEW_URL, build.form(restaurant, email=guest_email), follow=True)

    html = response.content.decode()
    assert "Awaiting confirmation" in html
    assert words in html


def test_double_submit_creates_one_booking_and_shows_the_same_card(staff, restaurant):
    data = build.form(restaurant, email="twice@example.com", phone="07911 123456")

    first = staff.post(NEW_URL, data)
    second = staff.post(NEW_URL, data)

    assert Booking.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_back_button_with_changed_details_does_not_create_a_second_booking(staff, restaurant):
    data = build.form(restaurant)
    staff.post(NEW_URL, data)

    response = staff.post(NEW_URL, {**data, "party": "3"})

    assert response.status_code == 422
    assert "Idempotency key reused with a different payload" in response.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"name": "J"}, "name"),
        ({"party": "0"}, "party"),
        ({"date": "2025-02-30"}, "date"),
        ({"time": "25:61"}, "time"),
        ({"notes": "x" * 501}, "notes"),
    ],
)
def test_field_errors_are_shown_next_to_the_field(staff, restaurant, overrides, field):
    response = staff.post(NEW_URL, build.form(restaurant, **overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert (Booking.objects.count(), Customer.objects.count()) == (0, 0)


def test_a_tampered_form_key_asks_for_a_new_form(staff, restaurant):
    response = staff.post(NEW_URL, build.form(restaurant, idempotencyKey="not-a-uuid"))

    assert response.status_code == 400
    assert "This form is damaged or expired" in response.content.decode()
    assert Booking.objects.count() == 0


def test_a_restaurant_outside_the_memberships_is_a_field_error(staff, restaurant, other_restaurant_with_table):
    response = staff.post(NEW_URL, build.form(restaurant, restaurantId=str(other_restaurant_with_table.pk)))

    assert response.status_code == 400
    assert response.context["form"].errors["restaurantId"]
    assert Booking.objects.count() == 0


def test_pipeline_errors_are_shown_above_the_form_and_keep_the_key(staff, restaurant, settings):
    settings.BOOKING_VALIDATION_MODE = "unified"
    data = build.form(restaurant, time="23:30")

    response = staff.post(NEW_URL, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Booking validation failed" in html
    assert 'role="alert"' in html
    assert data["idempotencyKey"] in html
    assert Booking.objects.count() == 0


def test_capacity_error_is_a_form_level_error(client, settings):
    settings.BOOKING_VALIDATION_MODE = "unified"
    restaurant = RestaurantFactory()
    TableFactory(restaurant=restaurant, max_seats=2)
    client.force_login(MembershipFactory(restaurant=restaurant).user)

    response = client.post(NEW_URL, build.form(restaurant, party="6"))

    assert response.status_code == 409
    assert response.context["form"].non_field_errors()
    assert "No table for 6" in response.content.decode()


def test_confirmation_of_another_restaurants_booking_is_404(client, other_host, restaurant, host, four_four_tops):
    client.force_login(host)
    client.post(NEW_URL, build.form(restaurant))
    booking = Booking.objects.get()
    client.force_login(other_host)

    assert client.get(f"/ops/bookings/{booking.pk}/created").status_code == 404
