"""Table groups and turn times (DESIGN 3; issue 11): capacity, availability and creation understand
them. A group is free only when every table in it is; a matching turn time sets the duration (the
narrowest party range wins, then a row for the booking type over an "any" row)."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.availability import availability
from bookings.schedule import closing_minutes
from bookings.services.creation import Channel
from bookings.snapshot import day_schedule, floor_for
from bookings.validation import BookingValidationFailed
from restaurants.models import TableGroup, TurnTime
from tests.bookings.conftest import DAY, build
from tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.django_db
DINNER = dt.datetime(2026, 6, 10, 18, 0, tzinfo=dt.UTC)  # 19:00 in London


# --- turn times -----------------------------------------------------------------------------------
@pytest.fixture
def turn_times(restaurant):
    rows = {
        "1-8 any": (1, 8, "", 150),
        "1-8 dinner": (1, 8, "dinner", 140),
        "1-2 any": (1, 2, "", 100),
        "1-2 dinner": (1, 2, "dinner", 80),
    }
    return {
        name: TurnTime.objects.create(
            restaurant=restaurant, party_min=low, party_max=high, booking_type=kind, minutes=m
        )
        for name, (low, high, kind, m) in rows.items()
    }


@pytest.mark.parametrize(
    ("party", "booking_type", "minutes"),
    [
        (2, "dinner", 80),  # the narrowest range, for the type
        (2, "lunch", 100),  # the narrowest range, any type
        (5, "dinner", 140),  # one range: the type's row over the "any" row
        (5, "lunch", 150),
        (9, "dinner", 120),  # no row matches: the booking type's own duration
    ],
)
def test_the_matching_turn_time_with_precedence_sets_the_duration(restaurant, turn_times, party, booking_type, minutes):
    assert day_schedule(restaurant, DAY).duration(party, booking_type) == minutes


def test_the_narrowest_range_wins_over_a_row_for_the_type(restaurant, turn_times):
    turn_times["1-2 dinner"].delete()
    assert day_schedule(restaurant, DAY).duration(2, "dinner") == 100


def test_a_booking_lasts_its_turn_time(restaurant, turn_times, unified):
    TableFactory(restaurant=restaurant, max_seats=6)

    two = build.create(restaurant).booking
    five = build.create(restaurant, party=5, time="12:00", bookingType="lunch", email="five@example.com").booking

    assert (two.end_time, two.end_at - two.start_at) == (dt.time(20, 20), dt.timedelta(minutes=80))
    assert (five.end_time, five.end_at - five.start_at) == (dt.time(14, 30), dt.timedelta(minutes=150))


# --- table groups ----------------------------------------------------------------------------------
@pytest.fixture
def joinable(restaurant):
    """Two four-tops, Left and Right, that push together for five to eight; nothing else."""
    left, right = (TableFactory(restaurant=restaurant, name=name, max_seats=4) for name in ("Left", "Right"))
    group = TableGroup.objects.create(restaurant=restaurant, name="Left+Right", min_seats=5, max_seats=8)
    group.tables.set([left, right])
    return left, right


def _slot(restaurant, party: int, at: str) -> bool:
    slots = availability(restaurant=restaurant, day=DAY, party=party, web=True)
    return next(s.available for s in slots if s.time == dt.time.fromisoformat(at))


def test_a_group_seats_a_party_no_single_table_can(restaurant, joinable, unified):
    assert _slot(restaurant, 6, "19:00") is True
    floor = floor_for(restaurant, DINNER, DINNER + dt.timedelta(hours=2))
    (seat,) = floor.seats_for(DINNER, DINNER + dt.timedelta(hours=2), 6)
    assert seat.table_ids == {t.pk for t in joinable}

    booking = build.create(restaurant, party=6).booking
    assert booking.status == "pending_allocation"


def test_a_group_is_free_only_when_all_its_tables_are(restaurant, joinable, unified):
    left, _right = joinable
    BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=2).table_assignments.create(table=left)

    assert _slot(restaurant, 6, "19:00") is False  # Right is free, the group is not
    assert _slot(restaurant, 6, "12:00") is True  # earlier the same day both are
    assert _slot(restaurant, 4, "19:00") is True  # Right alone still seats four
    with pytest.raises(BookingValidationFailed) as refused:
        build.create(restaurant, party=6, channel=Channel.CUSTOMER)
    assert refused.value.issues[0].code == "CAPACITY_EXCEEDED"


def test_an_unassigned_waiting_request_holds_the_group_it_would_get(restaurant, joinable, unified):
    build.create(restaurant, party=6)  # waiting for a table: the group is the only seat for six

    assert _slot(restaurant, 6, "19:00") is False
    assert _slot(restaurant, 2, "19:00") is False  # and both its tables with it


def test_a_group_with_an_inactive_table_seats_nobody(restaurant, joinable, unified):
    joinable[0].is_active = False
    joinable[0].save()

    assert _slot(restaurant, 6, "19:00") is False


def test_hours_past_midnight_close_the_next_day():
    assert closing_minutes((dt.time(18), dt.time(2))) == 26 * 60
    assert closing_minutes((dt.time(8), dt.time(23))) == 23 * 60
