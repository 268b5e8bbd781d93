"""Bookings for the outbox tests.

`book` goes through the real creation pipeline (`booking_create`), as the APIs and the walk-in form
do. `seed_booking` writes a row the way the pipeline leaves it (booking, then its creation history
row) for states the pipeline cannot create directly (a confirmed booking today, a past date).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from bookings.contacts import placeholder_email, placeholder_phone
from bookings.models import Booking, BookingStatusChange
from bookings.services.creation import BookingRequest, Channel, booking_create
from tests.factories import BookingFactory, CustomerFactory, TableFactory

S = Booking.Status
WALK_IN_CLIENT_ID = "11111111-2222-3333-4444-555555555555"


def tomorrow(restaurant) -> dt.date:
    return restaurant.today() + dt.timedelta(days=1)


def book(*, restaurant, email: str | None = "grace@example.com", channel: Channel | None = None, **data) -> Booking:
    """A customer booking, or with `email=None` (or `channel=Channel.OPS`) a walk-in on the ops channel."""
    channel = channel or (Channel.CUSTOMER if email else Channel.OPS)
    fields = {
        "booking_date": tomorrow(restaurant),
        "start_time": dt.time(19),
        "party_size": 2,
        "booking_type": "dinner",
        "name": "Grace Guest" if email else "Wanda Walkin",
        "email": email or "",
        "phone": "+447911123456" if email else "",
        **data,
    }
    return booking_create(restaurant=restaurant, booking_request=BookingRequest(**fields), channel=channel).booking


def seed_booking(*, restaurant, status=S.CONFIRMED, source=Booking.Source.WALK_IN, guest_email=True, **fields):
    fields.setdefault("booking_date", tomorrow(restaurant))
    if not guest_email:
        fields["customer"] = CustomerFactory(
            restaurant=restaurant,
            full_name="Wanda Walkin",
            email=placeholder_email(WALK_IN_CLIENT_ID),
            phone=placeholder_phone(WALK_IN_CLIENT_ID),
        )
        fields["customer_email"] = restaurant.contact_email or fields["customer"].email
        fields["details"] = {"channel": "ops", "staffId": None, "providedContact": {"email": False, "phone": False}}
    with transaction.atomic():
        booking = BookingFactory(restaurant=restaurant, status=status, source=source, **fields)
        BookingStatusChange.objects.create(booking=booking, from_status="", to_status=status)
    return booking


@pytest.fixture(autouse=True)
def _tables(restaurant):
    """Room for a few parties, so the unified validation mode accepts bookings."""
    TableFactory.create_batch(3, restaurant=restaurant, max_seats=6)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on_commit callbacks (the dispatch), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _committing(create, restaurant, committed):
    """`create` at the default restaurant, then run what its commit dispatches (the eager send task)."""

    def make(**kwargs) -> Booking:
        kwargs.setdefault("restaurant", restaurant)
        with committed():
            return create(**kwargs)

    return make


@pytest.fixture
def make_booking(restaurant, committed):
    return _committing(book, restaurant, committed)


@pytest.fixture
def make_seeded(restaurant, committed):
    return _committing(seed_booking, restaurant, committed)
