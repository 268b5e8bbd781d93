"""Fixtures for the ops API and the walk-in form: staff clients, four four-tops, tomorrow's requests."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.builders import RequestBuilder, tomorrow
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory

LIST_URL = "/api/ops/bookings"
# Requests for tomorrow's dinner in the restaurant's timezone: `build.ops_body(...)`, `build.form(...)`.
build = RequestBuilder(day=tomorrow)


def booking_url(booking, suffix: str = "") -> str:
    return f"{LIST_URL}/{booking.pk}{suffix}"


@pytest.fixture
def four_four_tops(restaurant):
    """Four four-seat tables, T1 to T4."""
    return [TableFactory(restaurant=restaurant, name=f"T{n}", max_seats=4) for n in range(1, 5)]


@pytest.fixture
def host_client(api_client, host, four_four_tops):
    api_client.force_login(host)
    return api_client


@pytest.fixture
def token_client(host, four_four_tops):
    """The host through DRF token auth (no session to expire when a test moves the clock)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=host).key}")
    return client


@pytest.fixture
def owner_client(api_client, owner, four_four_tops):
    api_client.force_login(owner)
    return api_client


@pytest.fixture
def other_restaurant_with_table(db):
    """A restaurant `host` is not a member of, with one four-seat table, X1."""
    restaurant = RestaurantFactory()
    TableFactory(restaurant=restaurant, name="X1", max_seats=4)
    return restaurant


@pytest.fixture
def other_host(other_restaurant_with_table):
    user = UserFactory()
    MembershipFactory(user=user, restaurant=other_restaurant_with_table, role="host")
    return user


@pytest.fixture
def token_for():
    def make(user) -> str:
        return Token.objects.create(user=user).key

    return make
