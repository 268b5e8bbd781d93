"""The clock's tests (DESIGN 11): jobs run under a frozen clock that each test moves.

Now starts at Monday 2026-06-01 09:00 UTC (10:00 in London, BST). `clock.at(instant)` moves it,
`clock.later(**delta)` moves it on; `run(job)` runs one job as beat or cron would, with what its
commit dispatches (the send task, eagerly: `mail.outbox`), and returns how many rows it handled.
`restaurant` is London's "Bistro", open 08:00-23:00 every day, allocating tables by hand; it has two
two-tops and two four-tops (`floor`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.creation import Channel
from notifications.models import Notification
from notifications.scheduled import job_run
from restaurants.models import Table
from tests.builders import GUEST_CONTACTS, RequestBuilder
from tests.factories import TableFactory

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
LONDON = dt.timezone(dt.timedelta(hours=1))  # BST, for readable local instants in the tests


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in June 2026 given as London wall-clock time (BST, UTC+1)."""
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


@dataclass
class Clock:
    traveller: object

    def at(self, instant: dt.datetime) -> dt.datetime:
        self.traveller.move_to(instant, tick=False)
        return timezone.now()

    def later(self, **delta) -> dt.datetime:
        return self.at(timezone.now() + dt.timedelta(**delta))


@pytest.fixture
def clock(time_machine) -> Clock:
    time_machine.move_to(START, tick=False)
    return Clock(time_machine)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """`run(name)`: one run of a job (what it records is dispatched and sent); rows handled."""

    def run_job(name: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return job_run(name=name)

    return run_job


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on_commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def floor(restaurant) -> list[Table]:
    return [
        TableFactory(restaurant=restaurant, name=name, max_seats=seats)
        for name, seats in (("A2", 2), ("B2", 2), ("C4", 4), ("D4", 4))
    ]


@pytest.fixture
def book(restaurant, floor, committed, clock):
    """`book(day, "HH:MM", **overrides)`: a request made now through the creation pipeline (the web
    by default; `channel=Channel.OPS` for staff, with `source`), then what its commit dispatches."""

    def make(day: dt.date, time: str = "19:00", *, channel: Channel = Channel.CUSTOMER, **overrides) -> Booking:
        if channel == Channel.OPS:
            overrides = {**GUEST_CONTACTS, **overrides}
        with committed():
            result = RequestBuilder(day=day, time=time).create(restaurant, channel=channel, **overrides)
        return result.booking

    return make


@pytest.fixture
def confirm(committed, floor):
    """`confirm(booking)`: a host gives it a free table now (which confirms it), then the ticket goes."""

    def do(booking: Booking) -> Booking:
        taken = set(
            Table.objects.filter(
                assignments__released_at__isnull=True, assignments__booking__start_at=booking.start_at
            ).values_list("pk", flat=True)
        )
        table = next(t for t in floor if t.pk not in taken and t.max_seats >= booking.party_size)
        with committed():
            return lifecycle.booking_assign_tables(booking=booking, table_ids=[table.pk], actor=None)

    return do


def rows(kind: str, booking: Booking | None = None) -> list[Notification]:
    found = Notification.objects.filter(kind=kind)
    if booking is not None:
        found = found.filter(booking=booking)
    return list(found.order_by("id"))


def sent_to(address: str) -> list[str]:
    """Subjects of the emails sent to `address`, in order."""
    return [m.subject for m in mail.outbox if address in m.to]
