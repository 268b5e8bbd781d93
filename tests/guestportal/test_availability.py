"""`GET /api/restaurants/{slug}/availability` (DESIGN 10; issue 10 acceptance 1).

The central promise: a slot shown available is accepted by `POST /api/bookings` and a slot shown
unavailable is refused, in both validation modes, because both ask the same judge. The test tries
every slot of a busy day, each inside a savepoint that is rolled back, so each try sees the same day.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, TableAssignment
from restaurants.models import OpeningHours, ServicePeriod
from tests.factories import BookingFactory, CustomerFactory, RestaurantFactory, TableFactory
from tests.guestportal.conftest import DAY, build, throttle_rates

pytestmark = pytest.mark.django_db

URL = "/api/restaurants/{slug}/availability"


def availability(client, slug: str, **params):
    return client.get(URL.format(slug=slug), params)


def refusal_code(body: dict) -> str:
    """The one code a refusal answers with, whatever its shape (5.5's issues or reasons, 10's codes)."""
    if "issues" in body:
        return body["issues"][0]["code"]
    if "reasons" in body:
        return body["reasons"][0]
    return body["code"]


@pytest.fixture
def busy_day(restaurant, tables):
    """Lunch and dinner periods and ten bookings on DAY, seated, waiting and finished alike."""
    ServicePeriod.objects.create(restaurant=restaurant, name="lunch", start_time=dt.time(12), end_time=dt.time(15))
    ServicePeriod.objects.create(restaurant=restaurant, name="dinner", start_time=dt.time(17), end_time=dt.time(22))
    two, four_a, four_b, six = tables
    rows = [
        # (start, end, party, status, table)
        ((13, 45), (15, 15), 4, "confirmed", four_a),
        ((13, 45), (15, 15), 4, "pending_allocation", None),
        ((13, 45), (15, 15), 5, "pending_allocation", None),
        ((18, 0), (20, 0), 6, "confirmed", six),
        ((18, 30), (20, 30), 4, "confirmed", four_a),
        ((19, 0), (21, 0), 3, "pending_allocation", None),
        ((19, 0), (21, 0), 2, "pending", None),
        ((20, 30), (22, 30), 2, "cancelled", None),
        ((12, 0), (13, 30), 2, "no_show", None),
        ((21, 0), (23, 0), 4, "confirmed", four_b),
    ]
    for start, end, party, status, table in rows:
        booking = BookingFactory(
            restaurant=restaurant,
            booking_date=DAY,
            start_time=dt.time(*start),
            end_time=dt.time(*end),
            party_size=party,
            status=status,
        )
        if table is not None:
            TableAssignment.objects.create(booking=booking, table=table)
    assert Booking.objects.filter(booking_date=DAY).count() == 10


def test_the_answer_has_the_documented_shape(api_client, restaurant, tables):
    response = availability(api_client, restaurant.slug, date="2026-06-10", party="2")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"restaurant", "date", "party", "timezone", "slots"}
    assert (body["restaurant"], body["date"], body["party"], body["timezone"]) == (
        restaurant.slug,
        "2026-06-10",
        2,
        "Europe/London",
    )
    # Open 08:00-23:00, a 15-minute grid, the last seating two hours before closing.
    assert [slot["time"] for slot in body["slots"]] == [
        f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(8 * 60, 21 * 60 + 1, 15)
    ]
    assert body["slots"][0] == {"time": "08:00", "bookingType": "breakfast", "available": True}
    assert {slot["bookingType"] for slot in body["slots"]} == {"breakfast", "lunch", "dinner"}
    assert all(slot["available"] for slot in body["slots"])
    assert response.headers["X-Booking-Validation"] == "unified"


def test_every_slot_shown_available_is_accepted_and_every_other_refused(
    validation_mode, api_client, restaurant, busy_day, settings, time_machine
):
    """Acceptance 1: slot by slot on a copy of the day (a savepoint rolled back after each try)."""
    throttle_rates(settings, unthrottled=True)
    # 12:10 in London on the day itself: past slots, slots inside the minimum notice, full slots.
    time_machine.move_to(dt.datetime(2026, 6, 10, 11, 10, tzinfo=dt.UTC), tick=False)

    slots = availability(api_client, restaurant.slug, date="2026-06-10", party="4").json()["slots"]

    outcomes = {}
    for slot in slots:
        with transaction.atomic():
            body = build.body(restaurant, time=slot["time"], party=4, bookingType=slot["bookingType"])
            response = api_client.post("/api/bookings", body, format="json")
            outcomes[slot["time"]] = (response.status_code, response.json())
            transaction.set_rollback(True)
    assert Booking.objects.count() == 10  # every try was rolled back

    for slot in slots:
        status, answer = outcomes[slot["time"]]
        if slot["available"]:
            assert status == 201, (slot, answer)
            assert answer["booking"]["startTime"] == slot["time"]
        else:
            assert status in (400, 409, 422), (slot, answer)
    available = [slot["time"] for slot in slots if slot["available"]]
    refused = {refusal_code(answer) for status, answer in outcomes.values() if status != 201}
    if validation_mode == "unified":
        assert refused == {"PAST_TIME", "NOTICE_TOO_SHORT", "SERVICE_PERIOD", "CAPACITY_EXCEEDED"}
        codes = {time: refusal_code(answer) for time, (status, answer) in outcomes.items() if status != 201}
        assert (codes["12:00"], codes["12:15"], codes["16:00"]) == ("PAST_TIME", "NOTICE_TOO_SHORT", "SERVICE_PERIOD")
        assert codes["13:45"] == codes["19:00"] == "CAPACITY_EXCEEDED"  # every table that seats four is held
        assert outcomes["13:45"][0] == 409
        assert available == ["17:00", "20:30", "20:45", "21:00"]
    else:
        assert refused == {"NOTICE_TOO_SHORT", "outside_service_hours", "booking_exceeds_service_end"}
        # Legacy mode's fixed windows, lunch 12:00-15:00 and dinner 17:00-22:00, from 13:15 (notice).
        assert available[0] == "13:15"
        assert "15:00" not in available and "21:00" not in available


@pytest.mark.parametrize("others", [0, 500])
def test_the_cost_is_a_fixed_number_of_queries(validation_mode, api_client, restaurant, tables, others):
    customer = CustomerFactory(restaurant=restaurant)
    starts = [dt.time(hour, minute) for hour in range(8, 21) for minute in (0, 15, 30, 45)]
    rows = []
    for i in range(others):
        start = starts[i % len(starts)]
        start_at = dt.datetime.combine(DAY, start, tzinfo=restaurant.tz)
        rows.append(
            Booking(
                restaurant=restaurant,
                customer=customer,
                booking_date=DAY,
                start_time=start,
                end_time=(start_at + dt.timedelta(hours=2)).time(),
                start_at=start_at,
                end_at=start_at + dt.timedelta(hours=2),
                party_size=1 + i % 6,
                booking_type="dinner",
                status=["pending", "pending_allocation", "confirmed", "cancelled"][i % 4],
                customer_name="Someone",
                customer_email=customer.email,
                client_request_id=uuid.uuid4(),
            )
        )
    Booking.objects.bulk_create(rows)
    TableAssignment.objects.bulk_create(
        TableAssignment(booking=booking, table=tables[i % 4])
        for i, booking in enumerate(Booking.objects.filter(status="confirmed")[:100])
    )
    assert Booking.objects.filter(booking_date=DAY).count() == others

    with CaptureQueriesContext(connection) as queries:
        response = availability(api_client, restaurant.slug, date="2026-06-10", party="2")

    assert response.status_code == 200
    assert len(response.json()["slots"]) == {"unified": 53, "legacy": 40}[validation_mode]  # 08:00 or 12:00 to 21:45
    expected = {"unified": 2, "legacy": 1}[validation_mode]  # the restaurant; the day's schedule and floor
    assert len(queries) == expected <= 5, [q["sql"] for q in queries]


def test_unknown_inactive_or_odd_slugs_are_a_json_404(api_client, restaurant):
    restaurant_off = TableFactory(restaurant__is_active=False).restaurant
    for slug in ("nowhere", restaurant_off.slug, "a.b", "Ünïcode", "x" * 300):
        response = availability(api_client, slug, date="2026-06-10", party="2")
        assert (response.status_code, response.json()) == (404, {"error": "Not found"}), slug
        assert response.headers["Content-Type"] == "application/json"
    null = availability(api_client, "%00", date="2026-06-10", party="2")  # bad input before any lookup
    assert (null.status_code, null.json()["error"]) == (400, "Invalid payload")


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"date", "party"}),
        ({"date": "2026-06-10"}, {"party"}),
        ({"party": "2"}, {"date"}),
        ({"date": "2026-02-30", "party": "2"}, {"date"}),
        ({"date": "10/06/2026", "party": "2"}, {"date"}),
        ({"date": "9999-12-31", "party": "2"}, {"date"}),
        ({"date": "0001-01-01", "party": "2"}, {"date"}),
        ({"date": "2026-06-10", "party": "two"}, {"party"}),
        ({"date": "2026-06-10", "party": "0"}, {"party"}),
        ({"date": "2026-06-10", "party": "-3"}, {"party"}),
        ({"date": "2026-06-10", "party": "2.5"}, {"party"}),
        ({"date": "2026-06-10", "party": "100000000000000000000"}, {"party"}),
        ({"date": "2026-06-10", "party": "2", "bookingType": "brunch"}, {"bookingType"}),
    ],
)
def test_bad_date_or_party_is_a_400_with_details(api_client, restaurant, params, fields):
    response = availability(api_client, restaurant.slug, **params)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid payload"
    assert set(body["details"]) == fields


def test_a_closed_day_answers_an_empty_list(unified, api_client, restaurant, tables):
    OpeningHours.objects.create(restaurant=restaurant, date=DAY, is_closed=True)
    closed = availability(api_client, restaurant.slug, date="2026-06-10", party="2")
    OpeningHours.objects.filter(restaurant=restaurant, weekday=DAY.weekday() + 1).delete()  # no hours on Thursdays
    no_hours = availability(api_client, restaurant.slug, date="2026-06-11", party="2")
    open_day = availability(api_client, restaurant.slug, date="2026-06-12", party="2")

    assert (closed.status_code, closed.json()["slots"]) == (200, [])
    assert (no_hours.status_code, no_hours.json()["slots"]) == (200, [])
    assert len(open_day.json()["slots"]) == 53


def test_a_booking_type_judges_every_slot_as_that_type(api_client, restaurant, tables):
    slots = availability(api_client, restaurant.slug, date="2026-06-10", party="2", bookingType="drinks").json()

    assert {slot["bookingType"] for slot in slots["slots"]} == {"drinks"}


def _available(client, slug: str, day: str, party: int = 2) -> dict[str, bool]:
    body = availability(client, slug, date=day, party=str(party)).json()
    return {slot["time"]: slot["available"] for slot in body["slots"]}


def test_online_limits_are_reflected(validation_mode, api_client, restaurant, tables, time_machine):
    TableFactory(restaurant=restaurant, name="Eight", max_seats=8)
    restaurant.booking_window_days = 9
    restaurant.save()

    assert any(_available(api_client, restaurant.slug, "2026-06-10").values())  # 9 days ahead: the last day
    assert not any(_available(api_client, restaurant.slug, "2026-06-11").values())  # 10 days ahead
    assert any(_available(api_client, restaurant.slug, "2026-06-10", party=8).values())
    assert not any(_available(api_client, restaurant.slug, "2026-06-10", party=9).values())  # max_online_party 8

    # Today at 11:00 in London: nothing starts within the hour's notice; 12:00 and later can be had.
    today = _available(api_client, restaurant.slug, "2026-06-01")
    bookable = {time for time, free in today.items() if free}
    assert min(bookable) == "12:00"
    assert not any(free for time, free in today.items() if time < "12:00")
    restaurant.min_notice_minutes = 0
    restaurant.save()
    today = _available(api_client, restaurant.slug, "2026-06-01")
    assert min(time for time, free in today.items() if free) == ("11:00" if validation_mode == "unified" else "12:00")


def test_availability_is_throttled_per_client_ip(api_client, restaurant, settings):
    throttle_rates(settings, availability="2/min")
    params = {"date": "2026-06-10", "party": "2"}

    answers = [api_client.get(URL.format(slug=restaurant.slug), params).status_code for _ in range(3)]
    other = api_client.get(URL.format(slug=restaurant.slug), params, REMOTE_ADDR="198.51.100.9")

    assert answers == [200, 200, 429]
    assert other.status_code == 200


def test_times_the_clocks_skip_are_not_offered(unified, api_client, time_machine):
    """On the spring-forward night in New York, 02:00-02:59 does not exist: no slot, and no 500."""
    time_machine.move_to(dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False)
    new_york = RestaurantFactory(timezone="America/New_York", country="US", open_every_day=False)
    OpeningHours.objects.create(
        restaurant=new_york, date=dt.date(2027, 3, 14), opens_at=dt.time(0), closes_at=dt.time(6)
    )
    TableFactory(restaurant=new_york)

    slots = availability(api_client, new_york.slug, date="2027-03-14", party="2").json()["slots"]

    assert [slot["time"] for slot in slots] == [
        "00:00",
        "00:15",
        "00:30",
        "00:45",
        "01:00",
        "01:15",
        "01:30",
        "01:45",
        "03:00",
        "03:15",
        "03:30",
        "03:45",
        "04:00",
    ]
