"""Auto-allocation (DESIGN 11, issue 11 acceptance 1): a new request gets the best free table at once.

The allocation task runs after the creating commit (here: the commit's callbacks, eagerly) and, at a
restaurant with `auto_allocate` on, also settles the `request_received` email: superseded by the
ticket when a table was found, sent when none was, so a guest gets one ticket or one request email.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Booking, TableAssignment
from bookings.services.creation import Channel
from bookings.services.modification import booking_modify
from notifications.models import Notification
from notifications.services import booking_allocate, notification_redrive
from notifications.tasks import allocate_booking
from restaurants.models import TableGroup
from tests.builders import RequestBuilder, tomorrow
from tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.django_db
S = Booking.Status
build = RequestBuilder(day=tomorrow)
GUEST = "ada@example.com"


@pytest.fixture
def book(committed):
    """`book(restaurant, **overrides)`: a web request through the pipeline, then what its commit runs."""

    def make(restaurant, **overrides) -> Booking:
        with committed():
            booking = build.create(restaurant, **overrides).booking
        booking.refresh_from_db()
        return booking

    return make


def _tables(booking: Booking) -> list[str]:
    return sorted(
        TableAssignment.objects.filter(booking=booking, released_at__isnull=True).values_list("table__name", flat=True)
    )


def _guest_mail() -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [GUEST]]


def test_a_request_for_two_gets_the_free_two_top_and_one_ticket(book, auto_allocating):
    TableFactory(restaurant=auto_allocating, name="Four", max_seats=4)
    TableFactory(restaurant=auto_allocating, name="Two", max_seats=2)

    booking = book(auto_allocating)

    assert booking.status == S.CONFIRMED
    assert _tables(booking) == ["Two"]
    change = booking.status_changes.first()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        S.PENDING_ALLOCATION,
        S.CONFIRMED,
        "tables_assigned",
        None,
    )
    assert _guest_mail() == [f"Your reservation ticket – {auto_allocating.name}"]
    request = Notification.objects.get(booking=booking, kind="request_received")
    assert request.status == "skipped" and request.last_error.startswith("superseded")
    assert Notification.objects.get(booking=booking, kind="confirmation").status == "sent"


def test_a_party_of_six_with_only_two_joinable_four_tops_free_gets_the_group(book, auto_allocating):
    six = TableFactory(restaurant=auto_allocating, name="Six", max_seats=6)
    left, right = (TableFactory(restaurant=auto_allocating, name=n, max_seats=4) for n in ("Left", "Right"))
    group = TableGroup.objects.create(restaurant=auto_allocating, name="Left+Right", min_seats=5, max_seats=8)
    group.tables.set([left, right])
    taken = BookingFactory(restaurant=auto_allocating, booking_date=tomorrow(auto_allocating), party_size=6)
    taken.table_assignments.create(table=six)

    booking = book(auto_allocating, party=6)

    assert booking.status == S.CONFIRMED
    assert _tables(booking) == ["Left", "Right"]
    assert _guest_mail() == [f"Your reservation ticket – {auto_allocating.name}"]


def test_with_nothing_free_the_request_waits_and_the_guest_hears_it_was_received(book, auto_allocating):
    two = TableFactory(restaurant=auto_allocating, name="Two", max_seats=2)
    BookingFactory(restaurant=auto_allocating, booking_date=tomorrow(auto_allocating)).table_assignments.create(
        table=two
    )

    # The floor is full, so only an owner's override gets the request in; there is no table to give it.
    booking = book(
        auto_allocating,
        channel=Channel.OPS,
        may_override=True,
        override={"apply": True, "reason": "A regular, we will find room"},
        email=GUEST,
    )

    assert booking.status == S.PENDING_ALLOCATION
    assert _tables(booking) == []
    assert _guest_mail() == [f"Reservation request received – {auto_allocating.name}"]
    assert Notification.objects.get(booking=booking, kind="request_received").status == "sent"
    assert not Notification.objects.filter(booking=booking, kind="confirmation").exists()


def test_a_restaurant_that_allocates_by_hand_keeps_requests_waiting(book, restaurant, two_and_four_tables):
    booking = book(restaurant)

    assert booking.status == S.PENDING_ALLOCATION
    assert _tables(booking) == []
    assert _guest_mail() == [f"Reservation request received – {restaurant.name}"]


def test_when_more_requests_wait_than_there_are_tables_the_earliest_are_seated(
    auto_allocating, time_machine, monkeypatch
):
    """Allocation tasks that run late and all at once, in any order: first come, first served."""
    for name in ("T1", "T2", "T3"):
        TableFactory(restaurant=auto_allocating, name=name, max_seats=2)
    monkeypatch.setattr(allocate_booking, "delay", lambda *args: None)  # the tasks wait in the queue
    requests = []
    for i in range(4):  # the fourth only gets in because the owner overrides capacity
        time_machine.move_to(dt.datetime(2026, 6, 1, 9, i, tzinfo=dt.UTC), tick=False)
        requests.append(
            build.create(
                auto_allocating,
                channel=Channel.OPS,
                may_override=True,
                override={"apply": True, "reason": "Busy night"},
                name=f"Guest {i}",
            ).booking
        )

    for booking in reversed(requests):
        booking_allocate(booking_id=booking.pk)

    statuses = [Booking.objects.get(pk=b.pk).status for b in requests]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.CONFIRMED, S.PENDING_ALLOCATION]


def test_a_confirmed_booking_moved_to_another_time_is_allocated_again(book, auto_allocating, committed):
    """A modification sends a confirmed booking back to pending_allocation: the task seats it again."""
    TableFactory(restaurant=auto_allocating, name="Two", max_seats=2)
    booking = book(auto_allocating, email=GUEST)
    assert booking.status == S.CONFIRMED

    with committed():
        booking_modify(booking=booking, actor=None, start_time=dt.time(20))
    booking.refresh_from_db()

    assert (booking.status, booking.start_time, _tables(booking)) == (S.CONFIRMED, dt.time(20), ["Two"])
    assert list(booking.status_changes.order_by("id").values_list("to_status", flat=True)) == [
        S.PENDING_ALLOCATION,
        S.CONFIRMED,
        S.PENDING_ALLOCATION,
        S.CONFIRMED,
    ]
    assert Notification.objects.filter(booking=booking, kind="confirmation", status="sent").count() == 2


def test_a_request_email_lost_with_the_broker_goes_through_allocation_when_redriven(
    auto_allocating, committed, monkeypatch, time_machine
):
    """The broker was down at commit: neither the allocation task nor the request email left. The
    sweep allocates first, so the guest still gets one ticket, not a request email and then a ticket."""
    TableFactory(restaurant=auto_allocating, name="Two", max_seats=2)
    monkeypatch.setattr(allocate_booking, "delay", lambda *args: None)  # lost with the broker
    with committed():
        booking = build.create(auto_allocating, email=GUEST).booking
    monkeypatch.undo()
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING_ALLOCATION

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=5), tick=False)
    with committed():
        redriven = notification_redrive(older_than=dt.timedelta(seconds=60))

    booking.refresh_from_db()
    assert redriven and booking.status == S.CONFIRMED and _tables(booking) == ["Two"]
    assert _guest_mail() == [f"Your reservation ticket – {auto_allocating.name}"]
    assert Notification.objects.get(booking=booking, kind="request_received").status == "skipped"
