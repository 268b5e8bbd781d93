"""Bookings for the outbox tests: tomorrow's dinner at a restaurant with three six-seat tables.

`build.create(...)` goes through the real creation pipeline (`booking_create`), as the APIs and the
walk-in form do; `make_booking` does the same and runs what its commit dispatches. `make_seeded`
writes a confirmed walk-in the way the pipeline leaves a booking (the row, then its creation history
row) for states the pipeline cannot create directly (a confirmed booking, a booking today).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from bookings.models import Booking, BookingStatusChange
from tests.builders import RequestBuilder, tomorrow
from tests.factories import BookingFactory, TableFactory

build = RequestBuilder(day=tomorrow)


@pytest.fixture(autouse=True)
def three_six_tops(restaurant):
    """Room for a few parties, so the unified validation mode accepts bookings."""
    return TableFactory.create_batch(3, restaurant=restaurant, max_seats=6)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on_commit callbacks (the dispatch), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def make_booking(restaurant, committed):
    """`make_booking(**kwargs)`: `build.create(restaurant, **kwargs).booking` (`restaurant=` for another
    one), then what its commit dispatches (the eager send task)."""

    def make(*, restaurant=restaurant, **kwargs) -> Booking:
        with committed():
            return build.create(restaurant, **kwargs).booking

    return make


@pytest.fixture
def make_seeded(restaurant, committed):
    """`make_seeded(**fields)`: a confirmed walk-in for tomorrow written directly, with its creation
    history row (BookingFactory `fields` change it), then what its commit dispatches."""

    def make(**fields) -> Booking:
        fields.setdefault("booking_date", tomorrow(restaurant))
        with committed(), transaction.atomic():
            booking = BookingFactory(restaurant=restaurant, confirmed=True, source=Booking.Source.WALK_IN, **fields)
            BookingStatusChange.objects.create(booking=booking, from_status="", to_status=booking.status)
        return booking

    return make
