"""Fixtures for the admin and ops-board tests: two restaurants, their staff and a day of bookings.

Now is Tuesday 2026-06-02 11:00 UTC, 12:00 in London (BST): "today" on the board is 2026-06-02.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Booking
from restaurants.services import membership_grant
from tests.factories import BookingFactory, RestaurantFactory, TableFactory, UserFactory

NOW = dt.datetime(2026, 6, 2, 11, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 2)
BOARD_URL = "/admin/bookings/booking/"


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def staff(restaurant, role: str):
    """A staff user made the way production makes them: through `membership_grant`."""
    user = UserFactory()
    membership_grant(user=user, restaurant=restaurant, role=role)
    return user


@pytest.fixture
def other_restaurant(db):
    return RestaurantFactory(name="Other Place", slug="other-place")


@pytest.fixture
def board_host(restaurant):
    return staff(restaurant, "host")


@pytest.fixture
def board_owner(restaurant):
    return staff(restaurant, "owner")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def booking_in(restaurant, status: str = Booking.Status.CONFIRMED, **fields) -> Booking:
    """A booking of `restaurant` today at 19:00 in `status`, with consistent lifecycle timestamps."""
    if status in (Booking.Status.CHECKED_IN, Booking.Status.COMPLETED):
        fields.setdefault("checked_in_at", timezone.now())
    if status == Booking.Status.COMPLETED:
        fields.setdefault("checked_out_at", timezone.now())
    fields.setdefault("booking_date", TODAY)
    return BookingFactory(restaurant=restaurant, status=status, **fields)


@pytest.fixture
def tables(restaurant):
    return [
        TableFactory(restaurant=restaurant, name="Two", max_seats=2),
        TableFactory(restaurant=restaurant, name="Four", max_seats=4),
    ]


def change_form_data(page) -> dict:
    """An admin change form as the browser would post it back unchanged, inlines included."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for i, sub in enumerate(fs.forms):
            for name in sub.fields:
                value = sub[name].value()
                if value is not None and value is not False:
                    data[f"{fs.prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
    return data
