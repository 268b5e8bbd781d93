"""The answers' booking representation is exactly what `BookingSerializer` (the schema) renders."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.contacts import placeholder_email
from bookings.serializers import BookingSerializer, booking_representation
from tests.factories import BookingFactory, RestaurantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"idempotency_key": "key-1", "notes": "window ✓", "marketing_opt_in": True},
        {"pending_allocation": True, "customer_phone": ""},
        {"checked_in": True, "source": "walk-in"},
        {"details": {"providedContact": {"email": False, "phone": False}}, "customer_email": "desk@example.com"},
        {"details": {"providedContact": {"email": False, "phone": False}}, "customer_email": placeholder_email("x")},
    ],
)
def test_the_fast_representation_matches_the_serializer(fields):
    restaurant = RestaurantFactory(timezone="America/New_York", country="US")
    booking = BookingFactory(
        restaurant=restaurant, booking_date=dt.date(2026, 11, 1), start_time=dt.time(1, 30), **fields
    )
    booking.refresh_from_db()

    assert booking_representation(booking) == BookingSerializer(booking).data
