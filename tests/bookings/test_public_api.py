"""`POST /api/bookings` (DESIGN 5.1; acceptance 6 and 8): bodies, status codes, nothing written on errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, Customer, TableAssignment
from bookings.serializers import BookingSerializer
from tests.bookings.conftest import DAY, build
from tests.concurrency import run_concurrently
from tests.factories import BookingFactory, RestaurantFactory, TableFactory

pytestmark = pytest.mark.django_db

URL = "/api/bookings"
# DESIGN 5.2, exactly.
BOOKING_KEYS = set(
    "id reference restaurantId restaurantName bookingDate startTime endTime startAt endAt partySize bookingType "  # noqa: SIM905
    "seating status source customerName customerEmail customerPhone notes marketingOptIn idempotencyKey "
    "clientRequestId notificationRecipient createdAt updatedAt".split()
)


def post(client, payload, **headers):
    return client.post(URL, payload, format="json", headers=headers)


def counts():
    return Booking.objects.count(), Customer.objects.count()


def test_create_answers_201_with_the_documented_body(unified, api_client, restaurant, two_and_four_tables):
    response = post(api_client, build.body(restaurant, notes="birthday"), **{"Idempotency-Key": "abc-1"})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == {"booking", "idempotencyKey", "clientRequestId", "duplicate"}  # never "bookings"
    assert (data["idempotencyKey"], data["duplicate"]) == ("abc-1", False)
    booking = data["booking"]
    assert set(booking) == BOOKING_KEYS
    stored = Booking.objects.get()
    assert booking["id"] == str(stored.pk)
    assert booking["clientRequestId"] == data["clientRequestId"] == str(stored.client_request_id)
    assert booking["restaurantId"] == str(restaurant.pk)
    assert booking["restaurantName"] == restaurant.name
    assert (booking["bookingDate"], booking["startTime"], booking["endTime"]) == ("2026-06-10", "19:00", "21:00")
    assert (booking["startAt"], booking["endAt"]) == ("2026-06-10T19:00:00+01:00", "2026-06-10T21:00:00+01:00")
    assert (booking["status"], booking["source"], booking["seating"]) == ("pending_allocation", "web", "any")
    assert (booking["customerEmail"], booking["customerPhone"]) == ("ada@example.com", "+447911123456")
    assert (booking["notificationRecipient"], booking["notes"], booking["partySize"]) == ("guest", "birthday", 2)
    assert response.headers["X-Booking-Validation"] == "unified"


def test_booking_representation_costs_no_query_once_the_restaurant_is_loaded(
    api_client, restaurant, two_and_four_tables, django_assert_num_queries
):
    post(api_client, build.body(restaurant))
    booking = Booking.objects.select_related("restaurant").get()
    with django_assert_num_queries(0):
        data = BookingSerializer(booking).data
    assert data["restaurantName"] == restaurant.name


def test_legacy_mode_answers_pending_without_the_unified_header(legacy, api_client, restaurant):
    response = post(api_client, build.body(restaurant))
    assert response.status_code == 201
    assert response.json()["booking"]["status"] == "pending"
    assert "X-Booking-Validation" not in response.headers


def test_restaurant_by_id(api_client, restaurant, two_and_four_tables):
    payload = build.body(restaurant, restaurantSlug=..., restaurantId=str(restaurant.pk))
    assert post(api_client, payload).status_code == 201


def test_replay_answers_200_with_the_original_and_mismatch_422(api_client, restaurant, two_and_four_tables):
    first = post(api_client, build.body(restaurant), **{"Idempotency-Key": "k1"})
    replay = post(api_client, build.body(restaurant), **{"Idempotency-Key": " k1 "})
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    assert replay.json()["booking"] == first.json()["booking"]
    reuse = post(api_client, build.body(restaurant, party=3), **{"Idempotency-Key": "k1"})
    assert reuse.status_code == 422
    assert reuse.json() == {"error": "Idempotency key reused with a different payload", "code": "IDEMPOTENCY_MISMATCH"}
    assert counts() == (1, 1)


def test_key_order_in_the_body_does_not_make_a_mismatch(api_client, restaurant, two_and_four_tables):
    payload = build.body(restaurant)
    post(api_client, payload, **{"Idempotency-Key": "k1"})
    reordered = dict(reversed(list(payload.items())))
    assert post(api_client, reordered, **{"Idempotency-Key": "k1"}).status_code == 200


@pytest.mark.parametrize(("given", "stored"), [(False, False), (True, True), ("false", False), ("true", True)])
def test_marketing_opt_in_accepts_booleans_and_their_strings(
    api_client, restaurant, two_and_four_tables, given, stored
):
    response = post(api_client, build.body(restaurant, marketingOptIn=given))
    assert response.status_code == 201
    assert response.json()["booking"]["marketingOptIn"] is stored
    assert Booking.objects.get().marketing_opt_in is stored
    assert Customer.objects.get().marketing_opt_in is False  # the manage link carries it (DESIGN 10)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": ...}, "email"),
        ({"phone": ...}, "phone"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"phone": "07700 900123"}, "phone"),  # not a valid UK number
        ({"name": " A "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"party": "two"}, "party"),
        ({"party": "2"}, "party"),
        ({"party": 0}, "party"),
        ({"party": True}, "party"),
        ({"party": 2.5}, "party"),
        ({"time": "25:61"}, "time"),
        ({"time": "7pm"}, "time"),
        ({"time": "19:00:00"}, "time"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "10/06/2026"}, "date"),
        ({"bookingType": "brunch"}, "bookingType"),
        ({"seating": "roof"}, "seating"),
        ({"notes": "x" * 501}, "notes"),
        ({"marketingOptIn": "yes"}, "marketingOptIn"),
        ({"marketingOptIn": 1}, "marketingOptIn"),
        ({"restaurantSlug": ...}, "restaurantSlug"),
    ],
)
def test_invalid_bodies_are_400_with_field_details_and_write_nothing(
    api_client, restaurant, two_and_four_tables, overrides, field
):
    response = post(api_client, build.body(restaurant, **overrides))
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "Invalid payload"
    assert field in data["details"], data
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "headers", "field"),
    [
        ({"date": "9999-12-31", "time": "22:00"}, {}, "date"),  # would end after the last representable day
        ({"date": "0001-01-01", "time": "12:00"}, {}, "date"),  # the overlap window would start before date.min
        ({"date": "2025-05-30"}, {}, "date"),  # more than a year back (now is 2026-06-01)
        ({"date": "2028-06-04"}, {}, "date"),  # more than two years ahead
        ({"email": "walkin+abc123@system.local"}, {}, "email"),  # a placeholder is nobody's address
        ({}, {"Idempotency-Key": "k" * 256}, "Idempotency-Key"),
    ],
)
def test_out_of_range_input_is_a_400_not_a_500(api_client, restaurant, two_and_four_tables, overrides, headers, field):
    response = post(api_client, build.body(restaurant, **overrides), **headers)
    assert response.status_code == 400
    assert field in response.json()["details"]
    assert counts() == (0, 0)


@pytest.mark.parametrize("notes", [None, "", ...])
def test_notes_are_optional(api_client, restaurant, two_and_four_tables, notes):
    response = post(api_client, build.body(restaurant, notes=notes))
    assert response.status_code == 201
    assert response.json()["booking"]["notes"] == ""


def test_unknown_restaurant_is_404(api_client, restaurant, two_and_four_tables):
    response = post(api_client, build.body(restaurant, restaurantSlug="nowhere"))
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})
    by_id = post(
        api_client, build.body(restaurant, restaurantSlug=..., restaurantId="7d0c3f1e-0000-4000-8000-000000000000")
    )
    assert by_id.status_code == 404
    restaurant.is_active = False
    restaurant.save()
    assert post(api_client, build.body(restaurant)).status_code == 404
    assert counts() == (0, 0)


@pytest.mark.parametrize("raw", ["{not json", '["a", "list"]', '"text"', "42"])
def test_malformed_or_non_object_json_is_400(api_client, restaurant, raw):
    response = api_client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload"
    assert response.json()["details"]
    assert counts() == (0, 0)


def test_validation_failures_carry_the_header_and_write_nothing(unified, api_client, restaurant):
    response = post(api_client, build.body(restaurant))  # no tables at all
    assert response.status_code == 409
    assert response.json()["issues"][0]["code"] == "CAPACITY_EXCEEDED"
    assert response.headers["X-Booking-Validation"] == "unified"
    assert counts() == (0, 0)


def test_every_unified_answer_carries_the_header(unified, api_client, restaurant, two_and_four_tables):
    """Successes, replays and every refusal, the input serializer's 400 included (DESIGN 5.5)."""
    key = {"Idempotency-Key": "header-1"}
    answers = {
        "created": post(api_client, build.body(restaurant), **key),
        "replay": post(api_client, build.body(restaurant), **key),
        "mismatch": post(api_client, build.body(restaurant, party=3), **key),
        "invalid body": post(api_client, build.body(restaurant, party="two")),
        "outside hours": post(api_client, build.body(restaurant, time="07:00")),
        "unknown restaurant": post(api_client, build.body(restaurant, restaurantSlug="nowhere")),
    }

    assert {name: r.status_code for name, r in answers.items()} == {
        "created": 201,
        "replay": 200,
        "mismatch": 422,
        "invalid body": 400,
        "outside hours": 400,
        "unknown restaurant": 404,
    }
    assert {name: r.headers.get("X-Booking-Validation") for name, r in answers.items()} == dict.fromkeys(
        answers, "unified"
    )


def test_override_is_not_available_to_guests(unified, api_client, restaurant):
    response = post(api_client, build.body(restaurant, override={"apply": True, "reason": "please"}))
    assert response.status_code == 409  # ignored: the capacity issue stands


def test_a_gap_time_is_400_on_time(api_client, time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), tick=False)
    new_york = RestaurantFactory(timezone="America/New_York", country="US")
    response = post(api_client, build.body(new_york, date="2026-03-08", time="02:30", phone="(212) 555-0123"))
    assert response.status_code == 400
    assert list(response.json()["details"]) == ["time"]


def test_throttled_per_client_ip(api_client, restaurant, two_and_four_tables, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public_booking": "2/min"},
    }
    assert post(api_client, build.body(restaurant)).status_code == 201
    assert post(api_client, {"bad": "body"}).status_code == 400
    response = post(api_client, build.body(restaurant, email="x@example.com"))
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests", "code": "RATE_LIMITED", "retryAfter": 60}
    assert response.headers["Retry-After"] == "60"
    other_ip = api_client.post(
        URL, build.body(restaurant, email="y@example.com"), format="json", REMOTE_ADDR="203.0.113.7"
    )
    assert other_ip.status_code == 201
    assert Booking.objects.count() == 2


def test_no_csrf_or_session_needed(restaurant, two_and_four_tables):
    client = APIClient(enforce_csrf_checks=True)
    assert post(client, build.body(restaurant)).status_code == 201


def test_the_answer_does_not_reveal_other_bookings(api_client, restaurant, two_and_four_tables):
    existing = BookingFactory(restaurant=restaurant, customer__email="ada@example.com", start_time=dt.time(12))
    response = post(api_client, build.body(restaurant))
    assert response.status_code == 201
    assert "bookings" not in response.json()
    assert existing.reference not in json.dumps(response.json())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_for_the_last_table_one_wins(unified, restaurant):
    """Acceptance 6: one table left, ten guests at once over HTTP: one 201, nine 409 CAPACITY_EXCEEDED."""
    taken, last = TableFactory(restaurant=restaurant, max_seats=4), TableFactory(restaurant=restaurant, max_seats=4)
    holder = BookingFactory(restaurant=restaurant, booking_date=DAY, status="confirmed")
    TableAssignment.objects.create(booking=holder, table=taken)

    def guest(i):
        payload = build.body(restaurant, email=f"guest{i}@example.com", phone=f"+4479111234{i:02d}")
        response = post(APIClient(), payload)
        return response.status_code, response.json()

    outcomes = run_concurrently(guest, 10)
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [201] + [409] * 9, outcomes
    assert all(data["issues"][0]["code"] == "CAPACITY_EXCEEDED" for status, data in outcomes if status == 409)
    assert Booking.objects.filter(status="pending_allocation").count() == 1
    assert not last.assignments.exists()  # the winner waits for allocation of the last table
