"""Bookings as the creation pipeline leaves them (row, then its creation history row), for the outbox tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from bookings.contacts import placeholder_email, placeholder_phone
from bookings.models import Booking, BookingStatusChange
from tests.factories import BookingFactory, CustomerFactory

S = Booking.Status


def create_booking(*, restaurant, status=S.PENDING, source=Booking.Source.WEB, guest_email=True, **fields) -> Booking:
    """A customer booking, or with `guest_email=False` a contactless walk-in (DESIGN 5.3 contacts)."""
    fields.setdefault("booking_date", timezone.now().astimezone(restaurant.tz).date() + dt.timedelta(days=1))
    with transaction.atomic():
        if guest_email:
            booking = BookingFactory(restaurant=restaurant, status=status, source=source, **fields)
        else:
            customer = CustomerFactory(
                restaurant=restaurant,
                full_name="Wanda Walkin",
                email=placeholder_email("11111111-2222-3333-4444-555555555555"),
                phone=placeholder_phone("11111111-2222-3333-4444-555555555555"),
            )
            booking = BookingFactory(
                restaurant=restaurant,
                customer=customer,
                status=status,
                source=source,
                customer_email=restaurant.contact_email or customer.email,
                customer_phone="",
                details={"channel": "ops", "staffId": None, "providedContact": {"email": False, "phone": False}},
                **fields,
            )
        BookingStatusChange.objects.create(booking=booking, from_status="", to_status=status)
    return booking


@pytest.fixture
def make_booking(restaurant, django_capture_on_commit_callbacks):
    """Create a booking and run what its commit dispatches (the eager send task)."""

    def make(**kwargs) -> Booking:
        kwargs.setdefault("restaurant", restaurant)
        with django_capture_on_commit_callbacks(execute=True):
            return create_booking(**kwargs)

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on_commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
