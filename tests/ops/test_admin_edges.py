"""The admin under bad input and across timezones (DESIGN 12, acceptance 5 and 6).

- `%00` in a changelist filter is refused (400), not a database error.
- Saving a customer with another customer's email or phone, or two opening-hours rows for one day,
  is a form error with a sentence, not an IntegrityError.
- A restaurant's country comes from a list of the regions phone numbers can be read for.
- Instants read in the restaurant's own timezone, with the zone named.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.utils import quote
from django.db import IntegrityError

from bookings.models import BookingStatusChange, Customer
from notifications.models import Notification
from restaurants.models import OpeningHours, Restaurant
from tests.admin.conftest import BOARD_URL, change_form_data, staff
from tests.builders import RequestBuilder
from tests.factories import BookingFactory, CustomerFactory, RestaurantFactory, TableFactory

pytestmark = pytest.mark.django_db


# --- %00 in the changelists' filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "/admin/bookings/booking/?status__exact=%00",
        "/admin/bookings/booking/?source__exact=a%00b",
        "/admin/bookings/booking/?q=%00",
        "/admin/notifications/notification/?status__exact=%00",
        "/admin/notifications/notification/?kind__exact=%00",
        "/admin/bookings/customer/?placeholder=%00",
    ],
)
def test_a_null_character_in_an_admin_filter_is_refused_not_a_500(client, superuser, restaurant, query):
    BookingFactory(restaurant=restaurant)
    client.force_login(superuser)

    response = client.get(query)

    assert response.status_code == 400
    assert response.content == b"Bad request: Null characters are not allowed.\n"


# --- customers: another guest's email or phone ------------------------------------------------------


@pytest.fixture
def two_guests(restaurant):
    return (
        CustomerFactory(restaurant=restaurant, full_name="Ada", email="ada@example.com", phone="+447911123456"),
        CustomerFactory(restaurant=restaurant, full_name="Grace", email="grace@example.com", phone="+447911123457"),
    )


def _customer_page(client, customer):
    return f"/admin/bookings/customer/{quote(customer.pk)}/change/"


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("email", "grace@example.com", "Another guest of this restaurant already has this email address."),
        ("email", "  Grace@Example.COM ", "Another guest of this restaurant already has this email address."),
        ("phone", "+447911123457", "Another guest of this restaurant already has this phone number."),
        ("phone", "07911 123457", "Another guest of this restaurant already has this phone number."),
    ],
)
def test_another_guests_email_or_phone_is_a_form_error(client, board_owner, two_guests, field, typed, message):
    ada, _ = two_guests
    client.force_login(board_owner)
    data = change_form_data(client.get(_customer_page(client, ada)))

    response = client.post(_customer_page(client, ada), {**data, field: typed})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    ada.refresh_from_db()
    assert (ada.email, ada.phone) == ("ada@example.com", "+447911123456")


def test_a_customer_edit_is_stored_as_the_services_store_it(client, board_owner, two_guests):
    ada, _ = two_guests
    client.force_login(board_owner)
    data = change_form_data(client.get(_customer_page(client, ada)))

    response = client.post(
        _customer_page(client, ada), {**data, "email": " Ada.L@Example.com ", "phone": "07911 111222"}
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.email, ada.phone) == ("ada.l@example.com", "+447911111222")


def test_the_same_email_at_another_restaurant_is_fine(client, superuser, two_guests):
    elsewhere = CustomerFactory(restaurant=RestaurantFactory(), email="x@example.com", phone="+447911000111")
    client.force_login(superuser)
    data = change_form_data(client.get(_customer_page(client, elsewhere)))

    response = client.post(_customer_page(client, elsewhere), {**data, "email": "grace@example.com"})

    assert response.status_code == 302
    assert Customer.objects.filter(email="grace@example.com").count() == 2


def test_without_the_form_check_the_database_would_refuse(two_guests):
    """What the form error stands in for: the unique constraint itself."""
    ada, grace = two_guests
    ada.email = grace.email
    with pytest.raises(IntegrityError):
        ada.save()


# --- opening hours: two rows for one day in one save ------------------------------------------------


def _restaurant_page(restaurant) -> str:
    return f"/admin/restaurants/restaurant/{quote(restaurant.pk)}/change/"


def _with_new_hours(client, restaurant, rows: list[dict]) -> dict:
    data = change_form_data(client.get(_restaurant_page(restaurant)))
    prefix = "opening_hours"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for i, row in enumerate(rows, start=total):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    data[f"{prefix}-TOTAL_FORMS"] = total + len(rows)
    return data


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"date": "2026-12-24", "opens_at": "12:00", "closes_at": "16:00"}] * 2,
            {"date": ["That date already has opening hours."]},
        ),
        (
            [
                {"date": "2026-12-24", "is_closed": "on"},
                {"date": "2026-12-24", "opens_at": "12:00", "closes_at": "16:00"},
            ],
            {"date": ["That date already has opening hours."]},
        ),
        (
            [{"weekday": "0", "opens_at": "09:00", "closes_at": "17:00"}],
            {"weekday": ["That weekday already has opening hours."]},
        ),
    ],
    ids=["same-date-twice", "closed-and-open", "a-second-monday"],
)
def test_two_opening_hours_rows_for_one_day_are_a_form_error(client, board_owner, restaurant, rows, message):
    client.force_login(board_owner)
    before = OpeningHours.objects.filter(restaurant=restaurant).count()

    response = client.post(_restaurant_page(restaurant), _with_new_hours(client, restaurant, rows))

    assert response.status_code == 200
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "opening_hours")
    assert [form.errors for form in formset.forms if form.errors] == [message]  # on the row that repeats
    assert OpeningHours.objects.filter(restaurant=restaurant).count() == before


def test_different_dates_in_one_save_are_fine(client, board_owner, restaurant):
    client.force_login(board_owner)
    rows = [{"date": "2026-12-24", "is_closed": "on"}, {"date": "2026-12-25", "is_closed": "on"}]

    response = client.post(_restaurant_page(restaurant), _with_new_hours(client, restaurant, rows))

    assert response.status_code == 302
    assert OpeningHours.objects.filter(restaurant=restaurant, date__isnull=False).count() == 2


# --- the restaurant's country ---------------------------------------------------------------------


def test_the_country_is_chosen_from_the_regions_phone_numbers_know(client, board_owner, restaurant):
    client.force_login(board_owner)

    page = client.get(_restaurant_page(restaurant))

    field = page.context["adminform"].form.fields["country"]
    codes = [code for code, _ in field.choices]
    assert "GB" in codes and "US" in codes and "XX" not in codes
    assert dict(field.choices)["GB"] == "United Kingdom (GB)"
    assert '<select name="country"' in page.content.decode()


@pytest.mark.parametrize("country", ["XX", "gb", "UK", ""])
def test_a_country_phone_numbers_cannot_be_read_for_is_refused(client, board_owner, restaurant, country):
    client.force_login(board_owner)
    data = change_form_data(client.get(_restaurant_page(restaurant)))

    response = client.post(_restaurant_page(restaurant), {**data, "country": country})

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["country"]
    assert Restaurant.objects.get(pk=restaurant.pk).country == "GB"


def test_the_model_refuses_an_unknown_country_too(restaurant):
    from django.core.exceptions import ValidationError

    restaurant.country = "XX"
    with pytest.raises(ValidationError, match="not a country code we can read phone numbers for"):
        restaurant.full_clean()


# --- times in the restaurant's zone -----------------------------------------------------------------

CHANGED_AT = dt.datetime(2026, 6, 2, 21, 8, tzinfo=dt.UTC)  # 17:08 in New York (EDT), 22:08 in London


@pytest.fixture
def new_york(db):
    restaurant = RestaurantFactory(name="Corner Deli", slug="corner-deli", timezone="America/New_York", country="US")
    TableFactory(restaurant=restaurant, max_seats=4)
    return restaurant


@pytest.fixture
def new_york_booking(new_york, time_machine):
    time_machine.move_to(CHANGED_AT, tick=False)
    guest = {"email": "ada@example.com", "phone": "+12025550143"}
    return RequestBuilder(day=dt.date(2026, 6, 3)).create(new_york, **guest).booking


def test_the_booking_page_shows_the_history_and_notifications_in_the_restaurants_zone(client, new_york_booking):
    owner = staff(new_york_booking.restaurant, "owner")
    client.force_login(owner)

    page = client.get(f"{BOARD_URL}{quote(new_york_booking.pk)}/change/").content.decode()

    change = BookingStatusChange.objects.get(booking=new_york_booking)
    assert change.changed_at == CHANGED_AT
    assert page.count("2 Jun 2026, 17:08 EDT") == 3  # created, updated, the history row
    assert "21:08" not in page and "10:08" not in page


def test_the_notifications_list_shows_the_restaurants_zone(client, new_york_booking):
    owner = staff(new_york_booking.restaurant, "owner")
    client.force_login(owner)

    page = client.get("/admin/notifications/notification/").content.decode()

    assert Notification.objects.filter(booking=new_york_booking).exists()
    assert "2 Jun 2026, 17:08 EDT" in page
    assert "21:08" not in page


def test_the_board_renders_in_the_boards_restaurant_zone(client, new_york_booking, superuser):
    client.force_login(superuser)

    page = client.get(BOARD_URL, {"restaurant": str(new_york_booking.restaurant.pk)})

    assert page.status_code == 200
    assert str(page.wsgi_request.restaurant_timezone) == "America/New_York"


def test_the_zone_does_not_leak_into_the_next_request(client, new_york_booking):
    from django.utils import timezone

    owner = staff(new_york_booking.restaurant, "owner")
    client.force_login(owner)
    client.get(f"{BOARD_URL}{quote(new_york_booking.pk)}/change/")

    assert timezone.get_current_timezone_name() == "UTC"
