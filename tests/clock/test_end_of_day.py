"""End of day (DESIGN 11, issue 11 acceptance 2): an hour after the date's closing time, seated guests
are checked out and confirmed guests who never came become no-shows (when `auto_no_show`), tables
released; the history says nobody did it, for the reason `end_of_day`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError

from bookings.models import Booking, TableAssignment
from bookings.services import lifecycle
from bookings.services.lifecycle import END_OF_DAY
from restaurants.models import OpeningHours
from tests.clock.conftest import london
from tests.factories import BookingFactory, RestaurantFactory, TableFactory

pytestmark = pytest.mark.django_db
S = Booking.Status
MINUTE = dt.timedelta(minutes=1)
MONDAY = dt.date(2026, 6, 1)  # open 08:00-23:00: the day is over at 00:00 on Tuesday, London time


def _booking(restaurant, status: str, start: dt.datetime, end: dt.datetime, table=None, **fields) -> Booking:
    booking = BookingFactory(
        restaurant=restaurant,
        status=status,
        booking_date=start.date(),
        start_time=start.timetz().replace(tzinfo=None),
        end_time=end.timetz().replace(tzinfo=None),
        start_at=start,
        end_at=end,
        **fields,
    )
    if table is not None:
        booking.table_assignments.create(table=table)
    return booking


def _live_tables(booking: Booking) -> list[str]:
    return list(
        TableAssignment.objects.filter(booking=booking, released_at__isnull=True).values_list("table__name", flat=True)
    )


@pytest.fixture
def monday_night(restaurant, clock):
    """Monday's dinner service: one party seated at 19:05, one that never came, one seated after its end."""
    tables = [TableFactory(restaurant=restaurant, name=name, max_seats=4) for name in ("T1", "T2", "T3")]
    seated = _booking(restaurant, S.CHECKED_IN, london(1, 19), london(1, 21), tables[0], checked_in_at=london(1, 19, 5))
    absent = _booking(restaurant, S.CONFIRMED, london(1, 19, 30), london(1, 21, 30), tables[1])
    late = _booking(
        restaurant, S.CHECKED_IN, london(1, 17), london(1, 18, 30), tables[2], checked_in_at=london(1, 18, 45)
    )
    return seated, absent, late


def test_the_day_closes_an_hour_after_closing_time_once(clock, run, monday_night):
    seated, absent, late = monday_night

    clock.at(london(2, 0, 0) - MINUTE)
    assert run("end_of_day") == 0
    clock.at(london(2, 0, 0))
    assert run("end_of_day") == 3
    assert run("end_of_day") == 0

    for booking in monday_night:
        booking.refresh_from_db()
        change = booking.status_changes.first()
        assert (change.changed_by, change.reason) == (None, END_OF_DAY)
        assert _live_tables(booking) == []
    assert (seated.status, seated.checked_out_at) == (S.COMPLETED, london(1, 21))  # its end, after the check-in
    assert (late.status, late.checked_out_at) == (S.COMPLETED, london(1, 18, 45))  # its check-in, after its end
    assert (absent.status, absent.checked_in_at) == (S.NO_SHOW, None)
    assert absent.status_changes.first().from_status == S.CONFIRMED


def test_without_auto_no_show_confirmed_guests_are_left_as_they_are(clock, run, restaurant, monday_night):
    restaurant.auto_no_show = False
    restaurant.save()
    seated, absent, late = monday_night

    clock.at(london(2, 0, 0))
    assert run("end_of_day") == 2
    assert run("end_of_day") == 0

    absent.refresh_from_db()
    seated.refresh_from_db()
    assert (absent.status, _live_tables(absent)) == (S.CONFIRMED, ["T2"])
    assert absent.status_changes.count() == 0
    assert seated.status == S.COMPLETED


def test_a_day_that_runs_past_midnight_ends_an_hour_after_its_closing_time(clock, run, restaurant):
    OpeningHours.objects.filter(restaurant=restaurant, weekday=MONDAY.weekday()).update(
        opens_at=dt.time(18), closes_at=dt.time(2)
    )
    booking = _booking(restaurant, S.CHECKED_IN, london(1, 23), london(2, 1), checked_in_at=london(1, 23))

    clock.at(london(2, 3, 0) - MINUTE)
    assert run("end_of_day") == 0
    clock.at(london(2, 3, 0))
    assert run("end_of_day") == 1
    booking.refresh_from_db()
    assert (booking.status, booking.checked_out_at) == (S.COMPLETED, london(2, 1))


def test_a_dated_opening_hours_row_wins_over_the_weekday(clock, run, restaurant):
    OpeningHours.objects.create(restaurant=restaurant, date=MONDAY, opens_at=dt.time(12), closes_at=dt.time(20))
    booking = _booking(restaurant, S.CONFIRMED, london(1, 18), london(1, 19, 30))

    clock.at(london(1, 21, 0) - MINUTE)
    assert run("end_of_day") == 0
    clock.at(london(1, 21, 0))
    assert run("end_of_day") == 1
    booking.refresh_from_db()
    assert booking.status == S.NO_SHOW


@pytest.mark.parametrize("hours", ["none", "closed"])
def test_a_date_without_hours_ends_an_hour_after_midnight(clock, run, hours):
    restaurant = RestaurantFactory(open_every_day=False)
    if hours == "closed":
        OpeningHours.objects.create(restaurant=restaurant, date=MONDAY, is_closed=True)
    booking = _booking(restaurant, S.CHECKED_IN, london(1, 19), london(1, 21), checked_in_at=london(1, 19))

    clock.at(london(2, 1, 0) - MINUTE)
    assert run("end_of_day") == 0
    clock.at(london(2, 1, 0))
    assert run("end_of_day") == 1
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED


def test_a_booking_running_past_closing_time_is_closed_an_hour_after_its_own_end(clock, run, restaurant):
    booking = _booking(restaurant, S.CHECKED_IN, london(1, 22, 30), london(2, 0, 30), checked_in_at=london(1, 22, 30))

    clock.at(london(2, 1, 30) - MINUTE)
    assert run("end_of_day") == 0
    clock.at(london(2, 1, 30))
    assert run("end_of_day") == 1
    booking.refresh_from_db()
    assert booking.checked_out_at == london(2, 0, 30)


def test_bookings_still_waiting_or_already_over_are_not_the_days_business(clock, run, restaurant):
    untouched = [
        _booking(restaurant, status, london(1, 19), london(1, 21))
        for status in (S.PENDING, S.PENDING_ALLOCATION, S.CANCELLED, S.NO_SHOW)
    ]
    completed = _booking(
        restaurant, S.COMPLETED, london(1, 19), london(1, 21), checked_in_at=london(1, 19), checked_out_at=london(1, 20)
    )

    clock.at(london(2, 0, 0))
    assert run("end_of_day") == 0
    for booking in [*untouched, completed]:
        status = booking.status
        booking.refresh_from_db()
        assert booking.status == status and booking.status_changes.count() == 0


def test_a_row_that_fails_is_logged_and_the_others_are_still_closed(clock, run, monday_night, monkeypatch, caplog):
    seated, absent, late = monday_night
    close_day = lifecycle.booking_close_day

    def broken_for_one(*, booking, no_show):
        if booking.pk == absent.pk:
            raise DatabaseError("lock timeout")
        return close_day(booking=booking, no_show=no_show)

    monkeypatch.setattr(lifecycle, "booking_close_day", broken_for_one)
    clock.at(london(2, 0, 0))

    assert run("end_of_day") == 2
    assert f"event=job_row_failed job=end_of_day booking_id={absent.pk}" in caplog.text
    absent.refresh_from_db()
    assert absent.status == S.CONFIRMED

    monkeypatch.setattr(lifecycle, "booking_close_day", close_day)
    assert run("end_of_day") == 1  # the next run tries it again
    absent.refresh_from_db()
    assert absent.status == S.NO_SHOW
