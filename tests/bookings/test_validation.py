"""DESIGN 5.5: both validation modes, their codes and bodies, overrides and DST (acceptance 5 and 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking, BookingStatusChange, Customer, TableAssignment
from bookings.services.creation import Channel
from config.errors import ApplicationError, InvalidPayload
from restaurants.models import OpeningHours
from tests.bookings.conftest import DAY, build
from tests.factories import BookingFactory, RestaurantFactory, ServicePeriodFactory, TableFactory

pytestmark = pytest.mark.django_db


def refused(restaurant, **kwargs) -> ApplicationError:
    """Run the pipeline expecting a refusal; assert that nothing was written."""
    counts = (Booking.objects.count(), Customer.objects.count(), BookingStatusChange.objects.count())
    with pytest.raises(ApplicationError) as info:
        build.create(restaurant, **kwargs)
    assert (Booking.objects.count(), Customer.objects.count(), BookingStatusChange.objects.count()) == counts
    return info.value


def issue_codes(error: ApplicationError) -> list[str]:
    return [i["code"] for i in error.as_body()["issues"]]


# --- statuses ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("mode_name", "status"), [("legacy", "pending"), ("unified", "pending_allocation")])
def test_new_bookings_get_the_modes_status(settings, restaurant, two_and_four_tables, mode_name, status):
    settings.BOOKING_VALIDATION_MODE = mode_name
    booking = build.create(restaurant).booking
    assert booking.status == status
    assert booking.status_changes.get().to_status == status


# --- shared rejections, one expectation per mode -------------------------------------------------
@pytest.mark.parametrize(
    ("time", "party", "legacy_reason", "unified_code"),
    [
        ("07:00", 2, "outside_service_hours", "OUTSIDE_HOURS"),
        ("16:00", 2, "outside_service_hours", "SERVICE_PERIOD"),
        ("21:30", 4, "booking_exceeds_service_end", "OUTSIDE_HOURS"),
    ],
)
def test_both_modes_reject_with_their_documented_body(
    validation_mode, restaurant, two_and_four_tables, time, party, legacy_reason, unified_code
):
    ServicePeriodFactory(restaurant=restaurant, name="lunch", start_time=dt.time(12), end_time=dt.time(15))
    ServicePeriodFactory(restaurant=restaurant, name="dinner", start_time=dt.time(17), end_time=dt.time(22))
    error = refused(restaurant, time=time, party=party)
    if validation_mode == "legacy":
        assert error.status_code == 422
        assert error.as_body() == {"error": "Booking outside service policy", "reasons": [legacy_reason]}
    else:
        assert error.status_code == 400
        assert error.as_body()["error"] == "Booking validation failed"
        assert issue_codes(error)[0] == unified_code
        assert error.as_body()["issues"][0]["overridable"] is True


def test_legacy_dining_time_depends_on_party_size(legacy, restaurant):
    restaurant.max_online_party = 10  # a party of ten may book online here: the test is about dining times
    restaurant.save()
    lunch_for_six = build.create(restaurant, time="12:00", party=6, bookingType="lunch").booking
    dinner_for_two = build.create(restaurant, time="20:00", party=2, email="b@example.com").booking
    dinner_for_four = build.create(restaurant, time="20:00", party=4, email="d@example.com").booking
    dinner_for_ten = build.create(restaurant, time="20:00", party=10, email="c@example.com").booking
    assert (lunch_for_six.end_at - lunch_for_six.start_at) == dt.timedelta(minutes=85)
    assert (dinner_for_two.end_at - dinner_for_two.start_at) == dt.timedelta(minutes=60)
    assert (dinner_for_four.end_at - dinner_for_four.start_at) == dt.timedelta(minutes=75)
    assert (dinner_for_ten.end_at - dinner_for_ten.start_at) == dt.timedelta(minutes=90)
    assert dinner_for_ten.end_time == dt.time(21, 30)


def test_legacy_ignores_override_and_capacity(legacy, restaurant, host):
    override = {"apply": True, "reason": "regular guest"}
    booking = build.create(restaurant, channel=Channel.OPS, actor=host, may_override=False, override=override).booking
    assert booking.status == "pending"  # no tables at all, no 403 for the host
    assert "override" not in booking.details


# --- unified rules ------------------------------------------------------------------------------
def test_unified_closed_date_when_a_dated_row_closes_the_day(unified, restaurant, two_and_four_tables):
    OpeningHours.objects.create(restaurant=restaurant, date=DAY, is_closed=True)
    error = refused(restaurant)
    assert error.status_code == 400
    assert error.as_body()["issues"] == [
        {"code": "CLOSED_DATE", "message": f"{restaurant.name} takes no bookings on 2026-06-10.", "overridable": False}
    ]


def test_unified_dated_row_wins_over_the_weekday_row(unified, restaurant, two_and_four_tables):
    OpeningHours.objects.filter(restaurant=restaurant, weekday=DAY.weekday()).update(
        opens_at=dt.time(8), closes_at=dt.time(12)
    )
    OpeningHours.objects.create(restaurant=restaurant, date=DAY, opens_at=dt.time(17), closes_at=dt.time(23))
    assert build.create(restaurant).booking.status == "pending_allocation"


def test_unified_without_opening_hours_takes_no_bookings(unified):
    restaurant = RestaurantFactory(open_every_day=False)
    TableFactory(restaurant=restaurant)
    assert issue_codes(refused(restaurant)) == ["CLOSED_DATE"]


def test_closed_date_is_never_overridable(unified, restaurant, two_and_four_tables, owner):
    OpeningHours.objects.create(restaurant=restaurant, date=DAY, is_closed=True)
    override = {"apply": True, "reason": "private party"}
    error = refused(restaurant, channel=Channel.OPS, actor=owner, may_override=True, override=override)
    assert error.status_code == 400
    assert issue_codes(error) == ["CLOSED_DATE"]


@pytest.mark.parametrize(
    ("booking_type", "time", "ok"),
    [
        ("dinner", "21:00", True),  # 23:00 less max(120 buffer, 120 dinner)
        ("dinner", "21:15", False),
        ("drinks", "21:00", True),
        ("drinks", "21:15", False),  # the 120 minute buffer is larger than 75 minutes of drinks
        ("dinner", "08:00", True),
        ("dinner", "07:45", False),
        ("dinner", "19:07", False),  # off the 15 minute grid
    ],
)
def test_unified_last_bookable_start_and_grid(unified, restaurant, two_and_four_tables, booking_type, time, ok):
    asked = {"time": time, "bookingType": booking_type}
    if ok:
        assert build.create(restaurant, **asked).booking.start_time.strftime("%H:%M") == time
    else:
        assert issue_codes(refused(restaurant, **asked)) == ["OUTSIDE_HOURS"]


def test_unified_duration_comes_from_the_booking_type(unified, restaurant, two_and_four_tables):
    restaurant.last_seating_buffer_minutes = 30
    restaurant.save()
    drinks = build.create(restaurant, time="21:45", bookingType="drinks").booking
    assert drinks.end_time == dt.time(23, 0)
    breakfast = build.create(restaurant, time="08:00", bookingType="breakfast").booking
    assert breakfast.end_at - breakfast.start_at == dt.timedelta(minutes=60)


def test_unified_service_periods_restrict_the_start(unified, restaurant, two_and_four_tables):
    ServicePeriodFactory(restaurant=restaurant, name="dinner", start_time=dt.time(18), end_time=dt.time(21))
    ServicePeriodFactory(
        restaurant=restaurant,
        name="lunch",
        weekday=(DAY.weekday() + 1) % 7,
        start_time=dt.time(12),
        end_time=dt.time(14),
    )
    assert build.create(restaurant, time="18:00").booking
    error = refused(restaurant, time="12:30", bookingType="lunch")  # lunch is another weekday
    assert issue_codes(error) == ["SERVICE_PERIOD"]
    assert "dinner 18:00-21:00" in error.as_body()["issues"][0]["message"]


def test_unified_past_time_with_grace(unified, restaurant, two_and_four_tables, time_machine):
    restaurant.min_notice_minutes = 0  # online bookings until the start: the test is about the grace
    restaurant.save()
    time_machine.move_to(dt.datetime(2026, 6, 10, 17, 4, tzinfo=dt.UTC), tick=False)  # 18:04 in London
    assert build.create(restaurant, time="18:00").booking  # within 5 minutes of grace
    time_machine.move_to(dt.datetime(2026, 6, 10, 17, 7, tzinfo=dt.UTC), tick=False)  # 18:07
    error = refused(restaurant, time="18:00", email="late@example.com")
    assert error.status_code == 400
    assert issue_codes(error) == ["PAST_TIME"]


def test_ops_channel_the_slot_containing_now_is_never_past(
    unified, restaurant, two_and_four_tables, host, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 10, 17, 14, tzinfo=dt.UTC), tick=False)  # 18:14 in London
    booking = build.create(restaurant, channel=Channel.OPS, time="18:00", actor=host).booking
    assert booking.start_time == dt.time(18)
    error = refused(restaurant, channel=Channel.OPS, time="17:45", actor=host)
    assert issue_codes(error) == ["PAST_TIME"]


# --- capacity (DESIGN 5.5 algorithm) --------------------------------------------------------------
# The bookings already there are BookingFactory rows on DAY: dinners 19:00-21:00 unless given.
def test_unassigned_bookings_take_the_smallest_free_table_that_seats_them(unified, restaurant, two_and_four_tables):
    # The two takes "Two", so the four-top is still free.
    BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=2, pending_allocation=True)
    assert build.create(restaurant, party=4).booking


def test_largest_unassigned_parties_are_placed_first(unified, restaurant):
    TableFactory(restaurant=restaurant, name="Small", min_seats=1, max_seats=4)
    TableFactory(restaurant=restaurant, name="Large", min_seats=3, max_seats=5)
    BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=2, pending_allocation=True)
    # The four is placed first: it takes "Small"; the two then fits no table.
    BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=4, pending_allocation=True)
    # Smallest first would give "Small" to the two and "Large" to the four, and refuse this three.
    assert build.create(restaurant, party=3).booking


def test_a_full_slot_is_a_409_capacity_exceeded(unified, restaurant, two_and_four_tables):
    BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=2, pending_allocation=True)
    # The three takes "Four", the two takes "Two": full.
    BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=3, pending_allocation=True)
    error = refused(restaurant, party=1)
    assert error.status_code == 409
    assert error.as_body()["issues"] == [
        {"code": "CAPACITY_EXCEEDED", "message": "No table for 1 is free at 19:00.", "overridable": True}
    ]


def test_assigned_tables_count_and_released_ones_do_not(unified, restaurant, two_and_four_tables):
    two, four = two_and_four_tables
    held = BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=2, confirmed=True)
    TableAssignment.objects.create(booking=held, table=four)
    assert issue_codes(refused(restaurant, party=3)) == ["CAPACITY_EXCEEDED"]
    held.table_assignments.update(released_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert build.create(restaurant, party=3).booking


@pytest.mark.parametrize(
    "setup",
    [
        "cancelled",  # inactive statuses do not hold tables
        "no_show",
        "earlier",  # 16:00-18:00 does not overlap 19:00-21:00
        "ends-as-it-starts",  # 17:00-19:00 ends when the new one starts: back to back is no overlap
        "starts-as-it-ends",  # 21:00-23:00 starts when the new dinner (19:00-21:00) ends
    ],
)
def test_non_overlapping_or_inactive_bookings_do_not_count(unified, restaurant, two_and_four_tables, setup):
    two, four = two_and_four_tables
    slots = {"earlier": (16, 18), "ends-as-it-starts": (17, 19), "starts-as-it-ends": (21, 23)}
    if setup in slots:
        start, end = (dt.time(hour) for hour in slots[setup])
        held = BookingFactory(
            restaurant=restaurant,
            booking_date=DAY,
            start_time=start,
            end_time=end,
            party_size=4,
            pending_allocation=True,
        )
    else:
        held = BookingFactory(restaurant=restaurant, booking_date=DAY, party_size=4, status=setup)
    TableAssignment.objects.create(booking=held, table=four)
    assert build.create(restaurant, party=4).booking


def test_inactive_tables_and_too_small_tables_give_no_capacity(unified, restaurant):
    TableFactory(restaurant=restaurant, max_seats=8, is_active=False)
    TableFactory(restaurant=restaurant, max_seats=4)
    TableFactory(restaurant=restaurant, min_seats=6, max_seats=10)
    assert issue_codes(refused(restaurant, party=5)) == ["CAPACITY_EXCEEDED"]
    assert build.create(restaurant, party=6).booking


# --- overrides ----------------------------------------------------------------------------------
def test_owner_override_with_reason_succeeds_and_is_recorded(unified, restaurant, owner):
    # No tables (capacity) and a time in the past: both overridable.
    override = {"apply": True, "reason": "  VIP table  "}
    result = build.create(
        restaurant, channel=Channel.OPS, actor=owner, may_override=True, date="2026-05-30", override=override
    )
    booking = result.booking
    assert booking.status == "pending_allocation"
    change = booking.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("", "pending_allocation", owner)
    assert change.reason == "override: VIP table"
    assert change.metadata == {"overriddenIssues": ["PAST_TIME", "CAPACITY_EXCEEDED"]}
    assert booking.details["override"] == {"reason": "VIP table", "issues": ["PAST_TIME", "CAPACITY_EXCEEDED"]}


@pytest.mark.parametrize("with_issues", [True, False])
def test_host_asking_for_an_override_gets_403_missing_override(unified, restaurant, host, with_issues):
    if not with_issues:
        TableFactory(restaurant=restaurant)
    override = {"apply": True, "reason": "regular guest"}
    error = refused(restaurant, channel=Channel.OPS, actor=host, may_override=False, override=override)
    assert error.status_code == 403
    assert issue_codes(error)[0] == "MISSING_OVERRIDE"
    assert error.as_body()["issues"][0]["overridable"] is False


def test_override_not_applied_leaves_the_issues(unified, restaurant, owner):
    error = refused(restaurant, channel=Channel.OPS, actor=owner, may_override=True, override={"apply": False})
    assert issue_codes(error) == ["CAPACITY_EXCEEDED"]
    assert error.status_code == 409


# --- DST (acceptance 7) ---------------------------------------------------------------------------
@pytest.fixture
def new_york_round_the_clock(db, time_machine):
    """A New York restaurant open round the clock with two eight-seat tables, taking online bookings
    a year ahead; now is 2026-01-05."""
    time_machine.move_to(dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC), tick=False)
    restaurant = RestaurantFactory(
        timezone="America/New_York", country="US", open_every_day=False, booking_window_days=366
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(restaurant=restaurant, weekday=d, opens_at=dt.time(0), closes_at=dt.time(0)) for d in range(7)
    )  # open round the clock: the checks below are about the clock change, not the hours
    TableFactory(restaurant=restaurant, max_seats=8)
    TableFactory(restaurant=restaurant, max_seats=8)
    return restaurant


@pytest.mark.parametrize(
    ("date", "time", "start_utc", "end_utc", "end_time"),
    [
        # spring forward: 02:00 EST becomes 03:00 EDT
        ("2026-03-08", "01:00", "2026-03-08T06:00", "2026-03-08T08:00", dt.time(4)),
        ("2026-03-08", "19:00", "2026-03-08T23:00", "2026-03-09T01:00", dt.time(21)),
        ("2026-03-07", "19:00", "2026-03-08T00:00", "2026-03-08T02:00", dt.time(21)),
        # fall back: 01:00-02:00 happens twice; the first (EDT) occurrence is meant
        ("2026-11-01", "01:30", "2026-11-01T05:30", "2026-11-01T07:30", dt.time(2, 30)),
        ("2026-11-01", "19:00", "2026-11-02T00:00", "2026-11-02T02:00", dt.time(21)),
    ],
)
def test_dst_days_store_the_right_utc_instants(
    unified, new_york_round_the_clock, date, time, start_utc, end_utc, end_time
):
    booking = build.create(new_york_round_the_clock, date=date, time=time, phone="+1 212 555 0123").booking
    booking.refresh_from_db()
    assert booking.start_at == dt.datetime.fromisoformat(start_utc).replace(tzinfo=dt.UTC)
    assert booking.end_at == dt.datetime.fromisoformat(end_utc).replace(tzinfo=dt.UTC)
    assert booking.end_time == end_time


@pytest.mark.parametrize("time", ["02:00", "02:30", "02:45"])
def test_a_time_in_the_spring_forward_gap_is_a_400(validation_mode, new_york_round_the_clock, time):
    with pytest.raises(InvalidPayload) as info:
        build.create(new_york_round_the_clock, date="2026-03-08", time=time, phone="+1 212 555 0123")
    assert info.value.as_body() == {
        "error": "Invalid payload",
        "details": {"time": [f"{time} does not exist on 2026-03-08 in America/New_York (the clocks go forward)."]},
    }
    assert Booking.objects.count() == 0
