"""Helpers for the booking pipeline tests: a frozen "now", a bookable restaurant and request bodies.

Now is Monday 2026-06-01 10:00 UTC; the default booking is Wednesday 2026-06-10 at 19:00 in London
(BST, so 18:00 UTC), dinner for two, at a restaurant open 08:00-23:00 with two tables (2 and 4 seats).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.serializers import BookingInputSerializer
from bookings.services.creation import BookingRequest, Channel, booking_create
from tests.factories import TableFactory

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def unified(settings):
    settings.BOOKING_VALIDATION_MODE = "unified"


@pytest.fixture
def legacy(settings):
    settings.BOOKING_VALIDATION_MODE = "legacy"


@pytest.fixture
def tables(restaurant):
    return [
        TableFactory(restaurant=restaurant, name="Two", max_seats=2),
        TableFactory(restaurant=restaurant, name="Four", max_seats=4),
    ]


def body(restaurant, **overrides) -> dict:
    """A valid camelCase request body (customer channel unless ops fields are added)."""
    data = {
        "restaurantSlug": restaurant.slug,
        "date": DAY.isoformat(),
        "time": "19:00",
        "party": 2,
        "bookingType": "dinner",
        "name": "Ada Lovelace",
        "email": "Ada@Example.com",
        "phone": "07911 123456",
        "marketingOptIn": False,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def ops_body(restaurant, **overrides) -> dict:
    data = body(restaurant, restaurantSlug=..., restaurantId=str(restaurant.pk), email=..., phone=...)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def validated(payload: dict, channel: Channel = Channel.CUSTOMER) -> BookingRequest:
    serializer = BookingInputSerializer(data=payload, context={"channel": channel.value})
    serializer.is_valid(raise_exception=True)
    return serializer.booking_request()


def create(restaurant, *, channel: Channel = Channel.CUSTOMER, payload: dict | None = None, **kwargs):
    """Run the pipeline on a request body as the APIs do."""
    if payload is None:
        payload = body(restaurant) if channel == Channel.CUSTOMER else ops_body(restaurant)
    return booking_create(restaurant=restaurant, booking_request=validated(payload, channel), channel=channel, **kwargs)


@pytest.fixture
def roomy(restaurant):
    """Ten four-seat tables, for tests that make several bookings at one time."""
    return TableFactory.create_batch(10, restaurant=restaurant, max_seats=4)
