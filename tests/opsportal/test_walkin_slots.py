"""The walk-in form offers bookable slots, proposes the next free ones, takes an override (issue 12 acceptance 5).

The restaurant is open 08:00-23:00 with dinner 17:00-22:00 (a dinner lasts 120 minutes, so the last
dinner start is 21:00). Now is 22:06 in London on Wednesday 10 June 2026.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bookings.models import Booking
from tests.factories import BookingFactory, MembershipFactory, ServicePeriodFactory, TableFactory, UserFactory
from tests.opsportal.conftest import build

pytestmark = pytest.mark.django_db
NEW_URL = "/ops/bookings/new"
TODAY = dt.date(2026, 6, 10)
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _at_22_06(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 21, 6, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def one_table(restaurant):
    ServicePeriodFactory(restaurant=restaurant, name="lunch", start_time=dt.time(12), end_time=dt.time(15))
    ServicePeriodFactory(restaurant=restaurant, name="dinner", start_time=dt.time(17), end_time=dt.time(22))
    return TableFactory(restaurant=restaurant, name="Only", max_seats=4)


def login(client, restaurant, role: str):
    user = UserFactory()
    MembershipFactory(user=user, restaurant=restaurant, role=role)
    client.force_login(user)
    return user


def offered(response) -> list[str]:
    return re.findall(r'<input type="radio" name="time" value="(\d\d:\d\d)"', response.content.decode())


def test_at_22_06_only_bookable_slots_are_offered_and_the_form_opens_on_tomorrow(client, restaurant, one_table):
    login(client, restaurant, "host")

    page = client.get(NEW_URL)
    today = client.get(NEW_URL, {"restaurantId": restaurant.pk, "date": TODAY.isoformat(), "party": 2})
    dinner = client.get(NEW_URL, {"restaurantId": restaurant.pk, "date": TOMORROW.isoformat(), "party": 2})

    assert page.context["form"].initial["date"] == TOMORROW.isoformat()
    assert offered(page)[0] == "12:00" and offered(page)[-1] == "21:00"  # lunch and dinner, never 22:00
    assert offered(today) == []
    assert "No bookable times left for this party on that day" in today.content.decode()
    assert "21:15" not in offered(dinner) and "15:00" not in offered(dinner)


def test_a_full_slot_is_not_offered(client, restaurant, one_table):
    login(client, restaurant, "host")
    BookingFactory(restaurant=restaurant, booking_date=TOMORROW, start_time=dt.time(19), end_time=dt.time(21))

    slots = offered(client.get(NEW_URL, {"restaurantId": restaurant.pk, "date": TOMORROW.isoformat(), "party": 2}))

    assert "19:00" not in slots and "18:00" not in slots and "20:45" not in slots  # they overlap 19:00-21:00
    assert "17:00" in slots and "21:00" in slots


def test_a_slot_full_by_now_proposes_the_next_free_times_and_one_press_takes_one(client, restaurant, one_table):
    login(client, restaurant, "host")
    BookingFactory(restaurant=restaurant, booking_date=TOMORROW, start_time=dt.time(19), end_time=dt.time(21))
    data = build.form(restaurant, date=TOMORROW.isoformat(), time="19:00", bookingType="")

    full = client.post(NEW_URL, data)

    html = full.content.decode()
    assert full.status_code == 409 and "No table for 2 is free at 19:00" in html
    proposed = re.findall(r'name="take_time" value="(\d\d:\d\d)"', html)
    assert proposed and all(t not in ("19:00",) for t in proposed)
    assert "19:00 · not bookable (override only)" in html  # still chosen, for an override
    taken = client.post(NEW_URL, {**data, "take_time": proposed[-1]})
    assert taken.status_code == 302
    assert Booking.objects.get(customer_name="Ada Lovelace").start_time == dt.time.fromisoformat(proposed[-1])


def test_an_owner_overrides_a_full_slot_with_a_reason(client, restaurant, one_table):
    login(client, restaurant, "owner")
    BookingFactory(restaurant=restaurant, booking_date=TOMORROW, start_time=dt.time(19), end_time=dt.time(21))
    data = build.form(restaurant, date=TOMORROW.isoformat(), time="19:00", bookingType="")

    page = client.get(NEW_URL).content.decode()
    no_reason = client.post(NEW_URL, {**data, "override": "on", "overrideReason": ""})
    response = client.post(NEW_URL, {**data, "override": "on", "overrideReason": "Regulars, kitchen agreed"})

    assert 'name="overrideReason"' in page
    assert no_reason.status_code == 400 and no_reason.context["form"].errors["overrideReason"]
    assert response.status_code == 302
    booking = Booking.objects.get(customer_name="Ada Lovelace")
    assert booking.start_time == dt.time(19)
    assert booking.status_changes.get().reason == "override: Regulars, kitchen agreed"


def test_a_host_sees_no_override_and_cannot_send_one(client, restaurant, one_table):
    login(client, restaurant, "host")
    BookingFactory(restaurant=restaurant, booking_date=TOMORROW, start_time=dt.time(19), end_time=dt.time(21))
    data = build.form(restaurant, date=TOMORROW.isoformat(), time="19:00", bookingType="")

    assert 'name="overrideReason"' not in client.get(NEW_URL).content.decode()
    response = client.post(NEW_URL, {**data, "override": "on", "overrideReason": "Sneaky"})
    assert response.status_code == 409 and not Booking.objects.filter(customer_name="Ada Lovelace").exists()


def test_show_times_without_javascript_keeps_what_was_typed_and_judges_nothing(client, restaurant, one_table):
    login(client, restaurant, "host")
    data = build.form(restaurant, date=TOMORROW.isoformat(), time="", party="3", name="Typed Name", step="times")

    response = client.post(NEW_URL, data)

    html = response.content.decode()
    assert response.status_code == 200 and not Booking.objects.exists()
    assert 'value="Typed Name"' in html and offered(response)[0] == "12:00"
    assert 'id="slots"' in html and "autofocus" in html.split('id="slots"')[1].split(">")[0]
    assert 'class="alert"' not in html


def test_the_focus_goes_to_the_first_field_then_to_the_first_error(client, restaurant, one_table):
    login(client, restaurant, "host")

    page = client.get(NEW_URL).content.decode()
    failed = client.post(NEW_URL, build.form(restaurant, date=TOMORROW.isoformat(), name="J", email="nope"))
    pipeline = client.post(NEW_URL, build.form(restaurant, date=TOMORROW.isoformat(), time="23:30"))

    assert re.search(r'<select name="restaurantId"[^>]*autofocus', page)
    autofocused = re.findall(r'<(?:input|select|textarea)[^>]*name="(\w+)"[^>]*autofocus', failed.content.decode())
    assert autofocused == ["name"]
    assert 'id="form-alert" autofocus' in pipeline.content.decode()


def test_a_time_missing_is_an_error_on_the_slots(client, restaurant, one_table):
    login(client, restaurant, "host")
    response = client.post(NEW_URL, build.form(restaurant, date=TOMORROW.isoformat(), time=""))
    assert response.status_code == 400 and response.context["form"].errors["time"] == ["Choose a time."]


@pytest.mark.parametrize("booking_type", ["%", "brunch", "../../etc/passwd", "1"])
def test_an_unknown_booking_type_is_refused_on_the_form_and_books_nothing(client, restaurant, one_table, booking_type):
    login(client, restaurant, "host")
    data = build.form(restaurant, date=TOMORROW.isoformat(), time="19:00", bookingType=booking_type)

    shown = client.get(NEW_URL, {"restaurantId": restaurant.pk, "date": TOMORROW.isoformat(), "party": 2,
                                 "bookingType": booking_type})  # fmt: skip
    posted = client.post(NEW_URL, data)

    assert shown.status_code == 200 and "19:00" in offered(shown)  # the slots of every type, as with none
    assert posted.status_code == 400
    assert "Select a valid choice" in posted.content.decode()
    assert not Booking.objects.exists()
