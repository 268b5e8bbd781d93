"""`booking_modify` (DESIGN 4): notes, re-validation, confirmed → the mode's pending status, 409s."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking, BookingStatusChange, TableAssignment
from bookings.services.lifecycle import booking_assign_tables
from bookings.services.modification import NotModifiable, booking_modify
from bookings.validation import BookingValidationFailed, OutsideServicePolicy
from restaurants.models import OpeningHours
from tests.bookings.conftest import DAY, build
from tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.django_db

S = Booking.Status


def test_notes_only_just_saves(restaurant, two_and_four_tables, host):
    booking = build.create(restaurant).booking
    updated = booking_modify(booking=booking, actor=host, notes="high chair")
    booking.refresh_from_db()
    assert booking.notes == updated.notes == "high chair"
    assert booking.status == S.PENDING_ALLOCATION
    assert BookingStatusChange.objects.count() == 1  # only the creation row


def test_pending_booking_is_revalidated_and_keeps_its_status(validation_mode, restaurant, two_and_four_tables, host):
    booking = build.create(restaurant).booking
    status = booking.status
    booking_modify(booking=booking, actor=host, start_time=dt.time(20), party_size=3)
    booking.refresh_from_db()
    assert (booking.status, booking.start_time, booking.party_size) == (status, dt.time(20), 3)
    assert booking.start_at == dt.datetime(2026, 6, 10, 19, tzinfo=dt.UTC)
    # The end moves with the new slot: dinner is 120 minutes in unified mode, 75 for three in legacy.
    end_time = {"unified": dt.time(22), "legacy": dt.time(21, 15)}[validation_mode]
    assert booking.end_time == end_time
    assert booking.end_at == dt.datetime.combine(DAY, end_time, tzinfo=restaurant.tz)
    assert BookingStatusChange.objects.count() == 1


@pytest.mark.parametrize(("mode_name", "pending"), [("unified", S.PENDING_ALLOCATION), ("legacy", S.PENDING)])
def test_confirmed_booking_releases_tables_and_returns_to_the_modes_pending(
    settings, restaurant, two_and_four_tables, host, mode_name, pending
):
    settings.BOOKING_VALIDATION_MODE = mode_name
    booking = build.create(restaurant).booking
    booking_assign_tables(booking=booking, table_ids=[two_and_four_tables[0].pk], actor=host)
    booking_modify(booking=booking, actor=host, booking_date=DAY + dt.timedelta(days=1))
    booking.refresh_from_db()
    assert booking.status == pending
    assert booking.booking_date == DAY + dt.timedelta(days=1)
    assert TableAssignment.objects.get().released_at is not None
    change = booking.status_changes.latest()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        S.CONFIRMED,
        pending,
        "modified",
        host,
    )


def test_the_booking_itself_does_not_count_against_capacity(unified, restaurant, host):
    only = TableFactory(restaurant=restaurant, max_seats=4)
    booking = build.create(restaurant).booking
    booking_assign_tables(booking=booking, table_ids=[only.pk], actor=host)
    booking_modify(booking=booking, actor=host, start_time=dt.time(19, 30), party_size=4)
    booking.refresh_from_db()
    assert (booking.start_time, booking.party_size, booking.status) == (dt.time(19, 30), 4, S.PENDING_ALLOCATION)


@pytest.mark.parametrize("status", [S.CHECKED_IN, S.COMPLETED, S.CANCELLED, S.NO_SHOW])
def test_finished_or_seated_bookings_cannot_be_modified(restaurant, host, status):
    booking = BookingFactory(restaurant=restaurant, booking_date=DAY, status=status)
    with pytest.raises(NotModifiable) as info:
        booking_modify(booking=booking, actor=host, party_size=5)
    assert info.value.status_code == 409
    assert info.value.as_body()["code"] == "NOT_MODIFIABLE"
    booking.refresh_from_db()
    assert booking.party_size == 2


def test_a_change_into_a_full_slot_is_refused_and_changes_nothing(unified, restaurant, two_and_four_tables, host):
    for party in (4, 2):  # lunch fills both tables
        BookingFactory(
            restaurant=restaurant, booking_date=DAY, start_time=dt.time(12), end_time=dt.time(14), party_size=party
        )
    booking = build.create(restaurant).booking
    with pytest.raises(BookingValidationFailed) as info:
        booking_modify(booking=booking, actor=host, start_time=dt.time(12))
    assert info.value.status_code == 409
    booking.refresh_from_db()
    assert booking.start_time == dt.time(19)


def test_a_change_to_a_closed_date_is_refused(unified, restaurant, two_and_four_tables, host):
    OpeningHours.objects.create(restaurant=restaurant, date=DAY + dt.timedelta(days=1), is_closed=True)
    booking = build.create(restaurant).booking
    with pytest.raises(BookingValidationFailed) as info:
        booking_modify(booking=booking, actor=host, booking_date=DAY + dt.timedelta(days=1))
    assert [i["code"] for i in info.value.as_body()["issues"]] == ["CLOSED_DATE"]


def test_legacy_rules_apply_to_modifications(legacy, restaurant, host):
    booking = build.create(restaurant).booking
    with pytest.raises(OutsideServicePolicy):
        booking_modify(booking=booking, actor=host, start_time=dt.time(16))


def test_a_stale_instance_never_undoes_a_newer_change(restaurant, two_and_four_tables, host):
    stale = build.create(restaurant).booking
    booking_modify(booking=Booking.objects.get(pk=stale.pk), actor=host, booking_date=DAY + dt.timedelta(days=2))

    booking_modify(booking=stale, actor=host, party_size=3)  # the caller still holds the old date

    stale.refresh_from_db()
    assert (stale.booking_date, stale.party_size) == (DAY + dt.timedelta(days=2), 3)
