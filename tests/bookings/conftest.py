"""Helpers for the booking pipeline tests: a frozen "now", a bookable restaurant and its requests.

Now is Monday 2026-06-01 10:00 UTC; the default request (`build`) is Wednesday 2026-06-10 at 19:00
in London (BST, so 18:00 UTC), dinner for two, at a restaurant open 08:00-23:00; most tests add
`two_and_four_tables` (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import RequestBuilder
from tests.factories import TableFactory

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 6, 10)
build = RequestBuilder(day=DAY)


@pytest.fixture(autouse=True)
def _frozen_at_monday_1_june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def unified(settings):
    settings.BOOKING_VALIDATION_MODE = "unified"


@pytest.fixture
def legacy(settings):
    settings.BOOKING_VALIDATION_MODE = "legacy"


@pytest.fixture
def ten_four_tops(restaurant):
    """Ten four-seat tables, for tests that make several bookings at one time."""
    return TableFactory.create_batch(10, restaurant=restaurant, max_seats=4)
