"""Seat a walk-in now (DESIGN 5.2 seat-now, 7 "Host stand", issue 12 acceptance 1 and 7).

Now is 19:07 in London on Wednesday 10 June 2026 (the restaurant is open 08:00-23:00, dinner 17:00-22:00):
the slot containing now is 19:00 and the booking type dinner.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking, Customer
from bookings.seating import now_slot, seat_now_choices
from bookings.services.seating import NoTableFree, SeatNowRequest, booking_seat_now
from bookings.validation import BookingValidationFailed
from config.errors import InvalidPayload
from notifications.models import Notification
from restaurants.models import OpeningHours, TableGroup
from tests.bookings.conftest import DAY
from tests.factories import MembershipFactory, RestaurantFactory, ServicePeriodFactory, TableFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Booking.Status
SEVEN_PAST_SEVEN = dt.datetime(2026, 6, 10, 18, 7, tzinfo=dt.UTC)  # 19:07 BST


@pytest.fixture(autouse=True)
def _at_seven_past_seven(time_machine):
    time_machine.move_to(SEVEN_PAST_SEVEN, tick=False)


@pytest.fixture
def floor(restaurant):
    """A 2-top, a 4-top and a 6-top, created largest first (so best fit is not creation order)."""
    ServicePeriodFactory(restaurant=restaurant, name="dinner", start_time=dt.time(17), end_time=dt.time(22))
    return {
        name: TableFactory(restaurant=restaurant, name=name, max_seats=seats, section=section)
        for name, seats, section in (("Six", 6, "outdoor"), ("Four", 4, "indoor"), ("Two", 2, "window"))
    }


@pytest.fixture
def host_user(restaurant):
    user = UserFactory(username="door-host")
    MembershipFactory(user=user, restaurant=restaurant, role="host")
    return user


def seat(restaurant, host_user, party: int, **kwargs):
    return booking_seat_now(
        restaurant=restaurant, seat_request=SeatNowRequest(party_size=party, **kwargs), actor=host_user
    )


def test_the_now_slot_is_the_grid_slot_containing_now_and_its_service_period(restaurant, floor):
    assert now_slot(restaurant=restaurant) == type(now_slot(restaurant=restaurant))(DAY, dt.time(19), "dinner")


def test_without_service_periods_the_type_goes_by_the_hour(restaurant, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 13, 20, tzinfo=dt.UTC), tick=False)  # 14:20 BST
    slot = now_slot(restaurant=restaurant)
    assert (slot.start_time, slot.booking_type) == (dt.time(14, 15), "lunch")


@pytest.mark.parametrize("mode", ["unified", "legacy"])
def test_a_party_of_three_gets_the_best_fit_checked_in_with_three_history_steps(
    restaurant, floor, host_user, settings, mode
):
    settings.BOOKING_VALIDATION_MODE = mode

    result = seat(restaurant, host_user, 3)

    booking = Booking.objects.get()
    assert result.booking.pk == booking.pk and result.booking.status == S.CHECKED_IN and not result.duplicate
    assert (booking.status, booking.source, booking.customer_name) == (S.CHECKED_IN, "walk-in", "Walk-in")
    assert (booking.booking_date, booking.start_time, booking.booking_type) == (DAY, dt.time(19), "dinner")
    assert booking.checked_in_at is not None and booking.created_by == host_user
    assert [a.table.name for a in booking.table_assignments.all()] == ["Four"]
    steps = list(
        booking.status_changes.order_by("changed_at", "id").values_list("from_status", "to_status", "changed_by")
    )
    pending = S.PENDING_ALLOCATION if mode == "unified" else S.PENDING
    assert steps == [
        ("", pending, host_user.pk),
        (pending, S.CONFIRMED, host_user.pk),
        (S.CONFIRMED, S.CHECKED_IN, host_user.pk),
    ]


def test_the_tables_asked_for_and_the_name_given(restaurant, floor, host_user):
    seat(restaurant, host_user, 2, table_ids=[floor["Six"].pk], name="  Mr Door  ", notes="Nut allergy")

    booking = Booking.objects.get()
    assert [a.table.name for a in booking.table_assignments.all()] == ["Six"]
    assert (booking.customer_name, booking.notes) == ("Mr Door", "Nut allergy")


def test_a_full_floor_is_409_no_table_free_and_nothing_is_kept(restaurant, floor, host_user):
    seat(restaurant, host_user, 6)
    with pytest.raises(NoTableFree) as refused:
        seat(restaurant, host_user, 5)

    assert (refused.value.status_code, refused.value.code) == (409, "NO_TABLE_FREE")
    assert Booking.objects.count() == 1 and Customer.objects.count() == 1


def test_no_table_free_in_legacy_mode_too(restaurant, floor, host_user, settings):
    settings.BOOKING_VALIDATION_MODE = "legacy"
    with pytest.raises(NoTableFree):
        seat(restaurant, host_user, 7)
    assert not Booking.objects.exists()


def test_another_restaurants_table_is_a_400_and_nothing_is_kept(restaurant, floor, host_user):
    elsewhere = TableFactory(restaurant=RestaurantFactory(), max_seats=4)
    with pytest.raises(InvalidPayload) as refused:
        seat(restaurant, host_user, 2, table_ids=[elsewhere.pk])
    assert "tableIds" in refused.value.extra["details"]
    assert not Booking.objects.exists()


def test_a_closed_day_answers_as_the_validator_does(restaurant, floor, host_user):
    OpeningHours.objects.create(restaurant=restaurant, date=DAY, is_closed=True)
    with pytest.raises(BookingValidationFailed) as refused:
        seat(restaurant, host_user, 2)
    assert [i.code for i in refused.value.issues] == ["CLOSED_DATE"]


def test_an_idempotency_key_replays_the_seated_walk_in(restaurant, floor, host_user):
    first = booking_seat_now(
        restaurant=restaurant, seat_request=SeatNowRequest(party_size=2), actor=host_user, idempotency_key="door-1"
    )
    again = booking_seat_now(
        restaurant=restaurant, seat_request=SeatNowRequest(party_size=2), actor=host_user, idempotency_key="door-1"
    )
    assert (again.booking.pk, again.duplicate) == (first.booking.pk, True)
    assert Booking.objects.count() == 1 and first.booking.status_changes.count() == 3


@pytest.mark.parametrize("auto_allocate", [False, True], ids=["by-hand", "auto-allocating"])
def test_emails_of_a_seated_walk_in_are_skipped_as_superseded(
    restaurant, floor, host_user, django_capture_on_commit_callbacks, mailoutbox, auto_allocate
):
    """Acceptance 7: no request_received and no ticket for a guest who is already at the table,
    whether or not the restaurant allocates new requests on its own."""
    restaurant.auto_allocate = auto_allocate
    restaurant.save()
    with django_capture_on_commit_callbacks(execute=True):
        seat(restaurant, host_user, 2, email="walker@example.com")

    rows = {n.kind: n for n in Notification.objects.all()}
    assert set(rows) == {"request_received", "confirmation"}
    assert {n.status for n in rows.values()} == {"skipped"}
    assert all(n.last_error.startswith("superseded") for n in rows.values())
    assert mailoutbox == []


def test_the_choices_are_best_fit_first_with_groups_after_and_none_too_small(restaurant, floor):
    group = TableGroup.objects.create(restaurant=restaurant, name="Long table", min_seats=5, max_seats=10)
    group.tables.set([floor["Four"], floor["Six"]])

    three = seat_now_choices(restaurant=restaurant, party=3)
    five = seat_now_choices(restaurant=restaurant, party=5)

    assert [(c.name, c.wasteful) for c in three.choices] == [("Four", False), ("Six", True)]
    assert three.choices[0].label == "Four · Indoor · 4 seats"
    assert three.choices[1].label == "Six · Outdoor · 6 seats · wasteful: leaves 3 empty"
    assert [c.name for c in five.choices] == ["Six", "Long table (Four + Six)"]
    assert five.choices[1].is_group and five.choices[1].sections == ("Indoor", "Outdoor")
    assert (three.slot.start_time, three.end_time, three.issues) == (dt.time(19), dt.time(21), [])


def test_choices_after_the_last_seating_say_why(restaurant, floor, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 21, 6, tzinfo=dt.UTC), tick=False)  # 22:06, last start 21:00
    late = seat_now_choices(restaurant=restaurant, party=2)
    assert late.choices == [] and [i.code for i in late.issues] == ["OUTSIDE_HOURS", "SERVICE_PERIOD"]
