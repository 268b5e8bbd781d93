"""Fixtures for the ops API and the walk-in form."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory

LIST_URL = "/api/ops/bookings"


def tomorrow(restaurant) -> dt.date:
    return restaurant.today() + dt.timedelta(days=1)


def walkin_body(restaurant, **overrides) -> dict:
    """A valid ops walk-in body for tomorrow's dinner, without email or phone unless given."""
    body = {
        "restaurantId": str(restaurant.pk),
        "date": tomorrow(restaurant).isoformat(),
        "time": "19:00",
        "party": 2,
        "bookingType": "dinner",
        "seating": "any",
        "name": "Walk In Guest",
        "marketingOptIn": False,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def booking_url(booking, suffix: str = "") -> str:
    return f"{LIST_URL}/{booking.pk}{suffix}"


@pytest.fixture
def tables(restaurant):
    return [TableFactory(restaurant=restaurant, name=f"T{n}", max_seats=4) for n in range(1, 5)]


@pytest.fixture
def host_client(api_client, host, tables):
    api_client.force_login(host)
    return api_client


@pytest.fixture
def token_client(host, tables):
    """The host through DRF token auth (no session to expire when a test moves the clock)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=host).key}")
    return client


@pytest.fixture
def owner_client(api_client, owner, tables):
    api_client.force_login(owner)
    return api_client


@pytest.fixture
def other_restaurant(db):
    restaurant = RestaurantFactory()
    TableFactory(restaurant=restaurant, name="X1", max_seats=4)
    return restaurant


@pytest.fixture
def other_host(other_restaurant):
    user = UserFactory()
    MembershipFactory(user=user, restaurant=other_restaurant, role="host")
    return user


@pytest.fixture
def token_for():
    def make(user) -> str:
        return Token.objects.create(user=user).key

    return make
