"""Fixtures for the admin and ops-board tests: two restaurants, their staff and a day of bookings.

Now is Tuesday 2026-06-02 11:00 UTC, 12:00 in London (BST): "today" on the board is 2026-06-02, the
day a `BookingFactory` booking is on unless given another (dinner at 19:00, confirmed; a trait per
status). `build` makes requests for today's dinner.
"""

from __future__ import annotations

import datetime as dt

import pytest

from restaurants.services import membership_grant
from tests.builders import RequestBuilder
from tests.factories import RestaurantFactory, UserFactory

NOW = dt.datetime(2026, 6, 2, 11, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 2)
BOARD_URL = "/admin/bookings/booking/"
build = RequestBuilder(day=TODAY)


@pytest.fixture(autouse=True)
def _frozen_at_tuesday_2_june(time_machine):
    time_machine.move_to(NOW, tick=False)


def staff(restaurant, role: str):
    """A staff user made the way production makes them: through `membership_grant`."""
    user = UserFactory()
    membership_grant(user=user, restaurant=restaurant, role=role)
    return user


@pytest.fixture
def other_place(db):
    """A second restaurant, "Other Place", with no staff of its own and no tables."""
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
