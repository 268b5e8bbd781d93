"""The slot grid and the service period at a time live in one module, `bookings.schedule` (DESIGN 5.5)."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings import schedule
from bookings.schedule import DaySchedule, Period, legacy_schedule
from bookings.snapshot import day_schedule
from tests.factories import OpeningHoursFactory, RestaurantFactory, ServicePeriodFactory

T = dt.time
DAY = dt.date(2026, 6, 10)  # a Wednesday


ELEVEN_TEN_TO_ELEVEN = (T(11, 10), T(23))


def day(opening=ELEVEN_TEN_TO_ELEVEN, periods=(), interval=15, buffer=120) -> DaySchedule:
    return DaySchedule(day=DAY, opening=opening, periods=tuple(periods), interval=interval, last_seating_buffer=buffer)


def test_the_grid_counts_from_opening_time_to_the_last_seating():
    starts = day().starts()
    assert starts[:3] == [T(11, 10), T(11, 25), T(11, 40)]
    assert starts[-1] == T(20, 55)  # 23:00 less the 120-minute buffer is 21:00; 20:55 is the last on the grid
    assert day().is_on_grid(T(11, 25)) and not day().is_on_grid(T(11, 15))


def test_the_slot_containing_a_time():
    assert day().slot_containing(T(18, 7)) == T(17, 55)
    assert day().slot_containing(T(11, 10)) == T(11, 10)
    assert day().slot_containing(T(9)) is None
    assert day(opening=None).slot_containing(T(12)) is None


def test_a_day_closing_after_midnight_keeps_its_starts_on_the_date():
    late = day(opening=(T(18), T(2)), buffer=60)
    assert late.closes == 26 * 60
    assert late.starts()[-1] == T(23, 45)  # last seating 01:00 is past midnight: the date's grid ends at 23:59
    assert late.last_start(120) == 24 * 60


def test_a_closed_day_has_no_grid():
    assert day(opening=None).starts() == []
    assert not day(opening=None).is_on_grid(T(12))


def test_the_service_period_and_booking_type_at_a_time():
    lunch, dinner = Period("lunch", T(12), T(15)), Period("dinner", T(17), T(22))
    with_periods = day(periods=[lunch, dinner])
    assert with_periods.period_at(T(12)) == lunch
    assert with_periods.period_at(T(15)) is None  # periods end exclusive
    assert with_periods.booking_type_at(T(18)) == "dinner"
    assert [day().booking_type_at(t) for t in (T(9), T(12), T(16), T(23))] == [
        "breakfast",
        "lunch",
        "dinner",
        "dinner",
    ]


@pytest.mark.django_db
def test_the_restaurants_own_day_in_one_query(django_assert_num_queries):
    restaurant = RestaurantFactory(open_every_day=False, reservation_interval_minutes=20)
    OpeningHoursFactory(restaurant=restaurant, weekday=DAY.weekday(), opens_at=T(12), closes_at=T(22))
    OpeningHoursFactory(restaurant=restaurant, weekday=None, date=DAY, opens_at=T(17), closes_at=T(23))
    ServicePeriodFactory(restaurant=restaurant, name="dinner", start_time=T(17), end_time=T(22))
    ServicePeriodFactory(restaurant=restaurant, name="lunch", weekday=(DAY.weekday() + 1) % 7)

    with django_assert_num_queries(1):
        wednesday = day_schedule(restaurant, DAY)

    assert wednesday.opening == (T(17), T(23))  # the dated row wins over the weekday row
    assert wednesday.periods == (Period("dinner", T(17), T(22)),)  # another weekday's period does not apply
    assert wednesday.interval == 20
    assert day_schedule(restaurant, DAY + dt.timedelta(days=7)).opening == (T(12), T(22))


def test_legacy_mode_uses_its_fixed_windows():
    restaurant = RestaurantFactory.build(reservation_interval_minutes=30)
    legacy = legacy_schedule(restaurant, DAY)
    assert [str(p) for p in legacy.periods] == ["lunch 12:00-15:00", "dinner 17:00-22:00"]
    assert legacy.starts()[0] == T(12) and legacy.starts()[-1] == T(21, 30)
    assert schedule.LEGACY_PERIODS[0] == ("lunch", T(12), T(15))
