"""The lifecycle table of DESIGN 4, pair by pair, and the compare-and-set under concurrency."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking, BookingStatusChange, TableAssignment
from bookings.services import lifecycle
from bookings.services.lifecycle import InvalidTransition, NotServiceDay
from tests.concurrency import run_concurrently
from tests.factories import BookingFactory, RestaurantFactory, TableFactory, UserFactory

S = Booking.Status
ALL = [s.value for s in S]


def _move(booking, to_status, actor):
    """Drive one ordinary transition through the public service that owns it."""
    if to_status == S.CONFIRMED and booking.status == S.NO_SHOW:
        return lifecycle.booking_undo_no_show(booking=booking, actor=actor)
    return {
        S.CONFIRMED: lambda: lifecycle.booking_confirm(booking=booking, actor=actor),
        S.CHECKED_IN: lambda: lifecycle.booking_check_in(booking=booking, actor=actor),
        S.COMPLETED: lambda: lifecycle.booking_check_out(booking=booking, actor=actor),
        S.NO_SHOW: lambda: lifecycle.booking_mark_no_show(booking=booking, actor=actor),
        S.CANCELLED: lambda: lifecycle.booking_cancel(booking=booking, actor=actor),
        S.PENDING_ALLOCATION: lambda: _to_pending_allocation(booking, actor),
        S.PENDING: lambda: _to_pending(booking, actor),
    }[to_status]()


def _to_pending_allocation(booking, actor):
    from django.db import transaction

    with transaction.atomic():
        locked = lifecycle.lock_booking(booking.pk)
        lifecycle.transition(booking=locked, to_status=S.PENDING_ALLOCATION, actor=actor)
    return locked


def _to_pending(booking, actor):
    from django.db import transaction

    with transaction.atomic():
        locked = lifecycle.lock_booking(booking.pk)
        lifecycle.transition(booking=locked, to_status=S.PENDING, actor=actor)
    return locked


ALLOWED = [(f, t) for f in ALL for t in ALL if t in lifecycle.TRANSITIONS[f]]
FORBIDDEN = [(f, t) for f in ALL for t in ALL if t not in lifecycle.TRANSITIONS[f]]


def test_the_table_is_the_design_table():
    assert {f: set(t) for f, t in lifecycle.TRANSITIONS.items()} == {
        "pending": {"pending_allocation", "confirmed", "cancelled"},
        "pending_allocation": {"confirmed", "cancelled"},
        "confirmed": {"checked_in", "cancelled", "no_show"},
        "checked_in": {"completed", "no_show"},
        "no_show": {"confirmed"},
        "completed": set(),
        "cancelled": set(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_succeeds_and_writes_one_history_row(from_status, to_status):
    booking = BookingFactory(status=from_status)
    actor = UserFactory()

    result = _move(booking, to_status, actor)

    booking.refresh_from_db()
    assert booking.status == to_status == result.status
    history = list(BookingStatusChange.objects.filter(booking=booking))
    assert [(h.from_status, h.to_status, h.changed_by) for h in history] == [(from_status, to_status, actor)]


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_transition_raises_409_and_changes_nothing(from_status, to_status):
    booking = BookingFactory(status=from_status)
    before = Booking.objects.values().get(pk=booking.pk)

    with pytest.raises(InvalidTransition) as excinfo:
        _move(booking, to_status, UserFactory())

    assert excinfo.value.status_code == 409
    assert from_status in excinfo.value.message and to_status in excinfo.value.message
    assert Booking.objects.values().get(pk=booking.pk) == before
    assert not BookingStatusChange.objects.filter(booking=booking).exists()


@pytest.mark.django_db
def test_modification_path_is_not_an_ordinary_transition():
    assert not lifecycle.can_transition(S.CONFIRMED, S.PENDING)
    assert lifecycle.can_transition(S.CONFIRMED, S.PENDING, modification=True)
    assert lifecycle.can_transition(S.CONFIRMED, S.PENDING_ALLOCATION, modification=True)
    assert not lifecycle.can_transition(S.CHECKED_IN, S.PENDING, modification=True)


@pytest.mark.django_db
def test_check_in_and_no_show_only_on_the_reservation_date_in_restaurant_timezone(time_machine):
    # 23:30 UTC on 1 June is already 2 June in Sydney: a Sydney booking for 2 June may check in.
    time_machine.move_to(dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC), tick=False)
    sydney = BookingFactory(restaurant__timezone="Australia/Sydney", booking_date=dt.date(2026, 6, 2))
    new_york = BookingFactory(restaurant__timezone="America/New_York", booking_date=dt.date(2026, 6, 2))

    assert lifecycle.booking_check_in(booking=sydney, actor=None).status == S.CHECKED_IN
    with pytest.raises(NotServiceDay) as excinfo:
        lifecycle.booking_check_in(booking=new_york, actor=None)
    assert excinfo.value.status_code == 409
    with pytest.raises(NotServiceDay):
        lifecycle.booking_mark_no_show(booking=new_york, actor=None)
    new_york.refresh_from_db()
    assert new_york.status == S.CONFIRMED
    missed = BookingFactory(restaurant=new_york.restaurant, booking_date=dt.date(2026, 6, 2), status=S.NO_SHOW)
    with pytest.raises(NotServiceDay):
        lifecycle.booking_undo_no_show(booking=missed, actor=None)
    missed.refresh_from_db()
    assert missed.status == S.NO_SHOW


@pytest.mark.django_db
def test_check_out_releases_tables_and_sets_timestamps():
    booking = BookingFactory(pending_allocation=True)
    table = TableFactory(restaurant=booking.restaurant, max_seats=4)
    lifecycle.booking_assign_tables(booking=booking, table_ids=[table.pk], actor=None)
    lifecycle.booking_check_in(booking=booking, actor=None)

    done = lifecycle.booking_check_out(booking=booking, actor=None)

    assert done.status == S.COMPLETED
    assert done.checked_out_at >= done.checked_in_at
    assert not booking.table_assignments.filter(released_at__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_exactly_one_wins():
    booking = BookingFactory(confirmed=True)
    actions = [lifecycle.booking_check_in, lifecycle.booking_cancel]

    outcomes = run_concurrently(lambda i: actions[i](booking=Booking.objects.get(pk=booking.pk), actor=None), 2)

    assert sorted(type(o).__name__ for o in outcomes) == ["Booking", "InvalidTransition"]
    assert BookingStatusChange.objects.filter(booking=booking).count() == 1


@pytest.mark.django_db
def test_a_no_show_frees_its_tables_and_an_undo_takes_back_only_the_free_ones():
    booking = BookingFactory(pending_allocation=True)
    window, corner = TableFactory(restaurant=booking.restaurant), TableFactory(restaurant=booking.restaurant)
    lifecycle.booking_assign_tables(booking=booking, table_ids=[window.pk, corner.pk], actor=None)
    lifecycle.booking_mark_no_show(booking=booking, actor=None)
    assert not booking.table_assignments.filter(released_at__isnull=True).exists()

    walk_in = BookingFactory(
        restaurant=booking.restaurant, status=S.PENDING_ALLOCATION, booking_date=booking.booking_date
    )
    lifecycle.booking_assign_tables(booking=walk_in, table_ids=[window.pk], actor=None)  # the freed table
    lifecycle.booking_undo_no_show(booking=booking, actor=None)

    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    live = TableAssignment.objects.filter(released_at__isnull=True)
    assert sorted(live.values_list("table_id", "booking_id")) == sorted(
        [(window.pk, walk_in.pk), (corner.pk, booking.pk)]
    )
    assert booking.status_changes.latest().metadata == {"restoredTableIds": [corner.pk]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "today"),
    [
        ("Australia/Sydney", dt.date(2026, 6, 2)),
        ("Europe/London", dt.date(2026, 6, 2)),
        ("America/New_York", dt.date(2026, 6, 1)),
    ],
)
def test_a_restaurants_service_day_is_today_in_its_own_timezone(time_machine, zone, today):
    time_machine.move_to(dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC), tick=False)  # 00:30 in London (BST)
    assert RestaurantFactory(timezone=zone).today() == today
