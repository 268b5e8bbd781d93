"""The guest portal's tests: a frozen "now", a bookable restaurant, and bookings behind manage links.

Now is Monday 2026-06-01 10:00 UTC (11:00 in London); the default request (`build`) is Wednesday
2026-06-10 at 19:00 in London, dinner for two, at `restaurant` (open 08:00-23:00, tables allocated
by hand) with `tables`: a two-top, two four-tops and a six-top.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.models import Booking
from bookings.tokens import manage_token
from restaurants.models import Table
from tests.builders import RequestBuilder
from tests.factories import TableFactory

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 6, 10)
build = RequestBuilder(day=DAY)

API = "/api/guest/bookings/{token}"
CANCEL_API = "/api/guest/bookings/{token}/cancel"


@pytest.fixture(autouse=True)
def _frozen_at_monday_1_june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def unified(settings):
    settings.BOOKING_VALIDATION_MODE = "unified"


@pytest.fixture
def tables(restaurant) -> list[Table]:
    return [
        TableFactory(restaurant=restaurant, name="Two", max_seats=2),
        TableFactory(restaurant=restaurant, name="Four A", max_seats=4),
        TableFactory(restaurant=restaurant, name="Four B", max_seats=4),
        TableFactory(restaurant=restaurant, name="Six", max_seats=6),
    ]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on_commit callbacks (the eager send task)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def guest_booking(restaurant, tables, committed) -> Booking:
    """Ada's web request for DAY 19:00, made through the creation pipeline, its emails sent."""
    with committed():
        booking = build.create(restaurant).booking
    return Booking.objects.select_related("restaurant").get(pk=booking.pk)


@pytest.fixture
def token(guest_booking) -> str:
    return manage_token(guest_booking)


def throttle_rates(settings, **rates: str) -> None:
    """Set some scopes' throttle rates ("N/min"); `unthrottled=True` raises every scope out of the way."""
    current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    if rates.pop("unthrottled", False):
        rates = {**dict.fromkeys(current, "100000/min"), **rates}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}


def snapshot(booking: Booking) -> dict:
    """Everything a guest's action could change about a booking (and its emails)."""
    booking = Booking.objects.get(pk=booking.pk)
    return {
        "row": {
            field.attname: getattr(booking, field.attname)
            for field in Booking._meta.concrete_fields
            if field.attname != "updated_at"
        },
        "updated_at": booking.updated_at,
        "history": list(booking.status_changes.values_list("pk", flat=True)),
        "notifications": list(booking.notifications.values_list("pk", flat=True)),
        "customer": booking.customer.marketing_opt_in,
        "outbox": len(mail.outbox),
    }


def subjects_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [address]]
