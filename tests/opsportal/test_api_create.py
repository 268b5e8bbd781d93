"""`POST /api/ops/bookings` (DESIGN 5.2-5.4, issue 3 acceptance 1-3, 5, 6, 9)."""

from __future__ import annotations

import logging
import uuid

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from bookings.models import Booking, Customer
from tests.factories import BookingFactory, CustomerFactory, MembershipFactory, RestaurantFactory, TableFactory
from tests.opsportal.conftest import LIST_URL, build

pytestmark = pytest.mark.django_db


def _post(client, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(LIST_URL, body, format="json", **headers, **extra)


def _counts():
    return Booking.objects.count(), Customer.objects.count()


# --- the five behaviours ---------------------------------------------------------------------------
def test_empty_body_is_400_invalid_payload_with_details(host_client):
    response = _post(host_client, {})

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload"
    assert {"restaurantId", "date", "time", "party", "name"} <= set(response.json()["details"])
    assert _counts() == (0, 0)


def test_non_member_is_403_and_nothing_written(host_client, other_restaurant_with_table):
    response = _post(host_client, build.ops_body(other_restaurant_with_table, email="guest@example.com"))

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden"}
    assert _counts() == (0, 0)


def test_unknown_restaurant_is_the_same_403(host_client, restaurant):
    response = _post(host_client, build.ops_body(restaurant, restaurantId=str(uuid.uuid4())))

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden"}
    assert _counts() == (0, 0)


@pytest.mark.parametrize("phone", ["(212) 555-0142", "07911 123456", "+1 212-555-0142"])
def test_a_phone_check_does_not_tell_whether_another_restaurant_exists(
    host_client, restaurant, other_restaurant_with_table, phone
):
    """Another restaurant's id and an unknown id get the same answer, whatever the phone's country."""
    other_restaurant_with_table.country = "US"
    other_restaurant_with_table.save()
    answers = [
        _post(host_client, build.ops_body(restaurant, restaurantId=restaurant_id, phone=phone))
        for restaurant_id in (str(other_restaurant_with_table.pk), str(uuid.uuid4()))
    ]

    assert answers[0].status_code == answers[1].status_code in (400, 403)
    assert answers[0].json() == answers[1].json()
    assert _counts() == (0, 0)


def test_walkin_with_email_and_no_phone(host_client, restaurant, host, validation_mode):
    response = _post(host_client, build.ops_body(restaurant, email="Ann.Guest@Example.com "))

    assert response.status_code == 201, response.json()
    body = response.json()
    booking = Booking.objects.get()
    expected_status = "pending" if validation_mode == "legacy" else "pending_allocation"
    assert booking.status == body["booking"]["status"] == expected_status
    assert booking.customer_email == body["booking"]["customerEmail"] == "ann.guest@example.com"
    assert booking.customer_phone == ""
    assert booking.source == "walk-in"
    assert booking.created_by == host
    assert booking.customer.email == "ann.guest@example.com"
    assert booking.customer.phone.startswith("000-")
    assert body["idempotencyKey"] is None
    assert uuid.UUID(body["clientRequestId"]) == booking.client_request_id
    assert body["duplicate"] is False
    assert [b["id"] for b in body["bookings"]] == [str(booking.pk)]
    assert body["booking"]["notificationRecipient"] == "guest"
    assert (response.headers.get("X-Booking-Validation") == "unified") == (validation_mode == "unified")


def test_walkin_without_contacts_holds_the_restaurant_contact_email(host_client, restaurant, validation_mode):
    response = _post(host_client, build.ops_body(restaurant))

    assert response.status_code == 201, response.json()
    booking = Booking.objects.get()
    slug = str(booking.client_request_id).replace("-", "")[:24]
    assert booking.customer_email == restaurant.contact_email
    assert response.json()["booking"]["notificationRecipient"] == "restaurant_fallback"
    assert booking.customer.email == f"walkin+{slug}@system.local"
    assert booking.customer.phone == f"000-{slug}"
    assert booking.details["providedContact"] == {"email": False, "phone": False}


def test_replay_with_the_same_key_answers_200_duplicate(host_client, restaurant, validation_mode):
    key = str(uuid.uuid4())
    body = build.ops_body(restaurant, phone="020 7946 0123")
    first = _post(host_client, body, key=key)
    again = _post(host_client, body, key=key)

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["booking"]["id"] == first.json()["booking"]["id"]
    assert again.json()["idempotencyKey"] == key
    assert again.json()["clientRequestId"] == key  # a UUID key is also the client request id
    assert _counts() == (1, 1)


def test_same_key_with_another_body_is_422_mismatch(host_client, restaurant):
    key = "form-123"
    assert _post(host_client, build.ops_body(restaurant), key=key).status_code == 201

    response = _post(host_client, build.ops_body(restaurant, party=3), key=key)

    assert response.status_code == 422
    assert response.json()["code"] == "IDEMPOTENCY_MISMATCH"
    assert Booking.objects.count() == 1


def test_phone_booking_source(host_client, restaurant):
    response = _post(host_client, build.ops_body(restaurant, source="phone", phone="+44 20 7946 0123"))

    assert response.status_code == 201, response.json()
    assert response.json()["booking"]["source"] == "phone"
    assert response.json()["booking"]["customerPhone"] == "+442079460123"


def test_bookings_lists_the_identity_active_bookings_only(host_client, restaurant):
    customer = CustomerFactory(restaurant=restaurant, email="regular@example.com")
    BookingFactory(restaurant=restaurant, customer=customer, status="confirmed")
    BookingFactory(restaurant=restaurant, customer=customer, status="cancelled")
    BookingFactory(restaurant=restaurant)  # someone else

    response = _post(host_client, build.ops_body(restaurant, email="regular@example.com"))

    assert response.status_code == 201, response.json()
    assert len(response.json()["bookings"]) == 2
    assert {b["status"] for b in response.json()["bookings"]} == {"confirmed", response.json()["booking"]["status"]}


# --- contacts without a restaurant contact email (acceptance 3) ------------------------------------
def test_restaurant_without_contact_email_holds_the_placeholder(api_client, validation_mode):
    restaurant = RestaurantFactory(contact_email="")
    TableFactory.create_batch(2, restaurant=restaurant, max_seats=4)
    membership = MembershipFactory(restaurant=restaurant)
    api_client.force_login(membership.user)

    first = _post(api_client, build.ops_body(restaurant, name="First Guest"))
    second = _post(api_client, build.ops_body(restaurant, name="Second Guest"))

    assert first.status_code == second.status_code == 201
    one, two = (Booking.objects.get(pk=r.json()["booking"]["id"]) for r in (first, second))
    for booking, response in ((one, first), (two, second)):
        slug = response.json()["clientRequestId"].replace("-", "")[:24]
        assert booking.customer_email == f"walkin+{slug}@system.local"
        assert response.json()["booking"]["notificationRecipient"] == "none"
    assert one.customer_id != two.customer_id
    assert Customer.objects.count() == 2


# --- authentication and throttling (acceptance 5) --------------------------------------------------
@pytest.mark.parametrize(
    "credentials",
    [{}, {"HTTP_AUTHORIZATION": "Token not-a-real-token"}, {"HTTP_AUTHORIZATION": "Bearer whatever"}],
    ids=["anonymous", "bad-token", "other-scheme"],
)
def test_unauthenticated_is_401(restaurant, credentials):
    response = APIClient().post(LIST_URL, build.ops_body(restaurant), format="json", **credentials)

    assert response.status_code == 401
    assert response.json() == {"error": "Authentication required"}
    assert _counts() == (0, 0)


def test_session_without_login_is_401_and_token_works(restaurant, host, four_four_tops, token_for):
    session = APIClient(enforce_csrf_checks=True)
    session.get("/accounts/login/")  # a browser that has a CSRF cookie but never signed in
    anonymous = session.post(LIST_URL, build.ops_body(restaurant), format="json")
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "Authentication required"})

    client = APIClient()
    response = client.post(
        LIST_URL, build.ops_body(restaurant), format="json", HTTP_AUTHORIZATION=f"Token {token_for(host)}"
    )
    assert response.status_code == 201, response.json()


def test_the_61st_create_in_a_minute_is_429(token_client, restaurant):
    key = str(uuid.uuid4())
    body = build.ops_body(restaurant)
    with time_machine.travel("2030-01-01 12:00:10Z", tick=False):
        body["date"] = "2030-01-02"
        statuses = {_post(token_client, body, key=key).status_code for _ in range(60)}
        response = _post(token_client, body, key=key)

    assert statuses == {200, 201}  # replays count too (DESIGN 5.2)
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests", "code": "RATE_LIMITED", "retryAfter": 50}
    assert response.headers["Retry-After"] == "50"
    assert Booking.objects.count() == 1


def test_throttle_counts_valid_requests_per_restaurant_in_a_fixed_window(
    token_client, restaurant, other_restaurant_with_table
):
    key = str(uuid.uuid4())
    body = build.ops_body(restaurant, date="2030-01-02")
    with time_machine.travel("2030-01-01 12:00:00Z", tick=False) as clock:
        invalid = {_post(token_client, {**body, "party": 0}).status_code for _ in range(70)}
        allowed = {_post(token_client, body, key=key).status_code for _ in range(60)}
        refused = {_post(token_client, build.ops_body(other_restaurant_with_table)).status_code for _ in range(60)}
        assert _post(token_client, body, key=key).status_code == 429
        assert _post(token_client, build.ops_body(other_restaurant_with_table)).status_code == 429  # 403s count too
        clock.shift(60)
        assert _post(token_client, body, key=key).status_code == 200

    assert (invalid, allowed, refused) == ({400}, {200, 201}, {403})


def test_unreachable_cache_lets_creates_through_with_a_warning(host_client, restaurant, settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with caplog.at_level(logging.WARNING, logger="tablekeeper.ops"):
        response = _post(host_client, build.ops_body(restaurant))

    assert response.status_code == 201, response.json()
    assert any("event=throttle_unavailable" in r.getMessage() for r in caplog.records)


# --- bad input never reaches the DB (acceptance 6) -------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"party": 0}, "party"),
        ({"party": "two"}, "party"),
        ({"bookingType": "brunch"}, "bookingType"),
        ({"date": "2025-02-30"}, "date"),
        ({"time": "25:61"}, "time"),
        ({"notes": "x" * 501}, "notes"),
        ({"restaurantId": "not-a-uuid"}, "restaurantId"),
    ],
)
def test_bad_input_is_400_with_field_details(host_client, restaurant, overrides, field):
    response = _post(host_client, build.ops_body(restaurant, **overrides))

    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "Invalid payload"
    assert field in response.json()["details"]
    assert _counts() == (0, 0)


def test_json_array_body_is_400(host_client, restaurant):
    response = _post(host_client, [build.ops_body(restaurant)])

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload"
    assert response.json()["details"]
    assert _counts() == (0, 0)


def test_malformed_json_is_400(host_client):
    response = host_client.post(LIST_URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload"


@pytest.mark.parametrize(
    ("signed_in", "content_type", "body", "expected"),
    [
        (True, "text/plain", "x", 415),
        (False, "text/plain", "x", 401),
        (False, "application/json", "{not json", 401),
    ],
)
def test_an_unreadable_body_is_answered_never_a_500(api_client, host, signed_in, content_type, body, expected):
    if signed_in:
        api_client.force_login(host)
    response = api_client.post(LIST_URL, body, content_type=content_type)

    assert response.status_code == expected
    assert "error" in response.json()
    assert _counts() == (0, 0)


def test_pipeline_refusal_answers_with_the_mode_body(host_client, restaurant, settings):
    settings.BOOKING_VALIDATION_MODE = "unified"
    response = _post(host_client, build.ops_body(restaurant, time="23:30"))

    assert response.status_code == 400
    assert response.json()["error"] == "Booking validation failed"
    assert response.headers["X-Booking-Validation"] == "unified"
    assert _counts() == (0, 0)


# --- overrides follow the membership role ---------------------------------------------------------
def test_an_owner_may_override_a_rule_and_a_host_may_not(owner_client, token_client, restaurant, settings):
    settings.BOOKING_VALIDATION_MODE = "unified"
    body = build.ops_body(restaurant, time="22:30", override={"apply": True, "reason": "regulars, short dessert"})

    by_owner = _post(owner_client, body)
    by_host = _post(token_client, {**body, "name": "Another Guest"})

    assert by_owner.status_code == 201, by_owner.json()
    booking = Booking.objects.get()
    assert booking.details["override"]["reason"] == "regulars, short dessert"
    assert "override" in booking.status_changes.get().reason
    assert by_host.status_code == 403
    assert by_host.json()["issues"][0]["code"] == "MISSING_OVERRIDE"
    assert Booking.objects.count() == 1


# --- one log line per outcome ----------------------------------------------------------------------
def test_one_structured_log_line_per_create_replay_and_refusal(host_client, restaurant, host, caplog):
    key = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="tablekeeper.ops"):
        created = _post(host_client, build.ops_body(restaurant), key=key)
        _post(host_client, build.ops_body(restaurant), key=key)
        _post(host_client, {})
        APIClient().post(LIST_URL, {}, format="json")

    lines = [r.getMessage() for r in caplog.records if r.name == "tablekeeper.ops"]
    booking_id = created.json()["booking"]["id"]
    assert lines == [
        f"event=booking_created channel=ops via=api staff_id={host.pk} restaurant_id={restaurant.pk} "
        f"booking_id={booking_id}",
        f"event=booking_replayed channel=ops via=api staff_id={host.pk} restaurant_id={restaurant.pk} "
        f"booking_id={booking_id}",
        f"event=booking_refused channel=ops via=api staff_id={host.pk} restaurant_id=- error=INVALID_PAYLOAD",
        "event=booking_refused channel=ops via=api staff_id=- restaurant_id=- error=AUTHENTICATION_REQUIRED",
    ]


# --- a fixed number of queries (acceptance 9) ------------------------------------------------------
def test_create_runs_a_fixed_number_of_queries(host_client, restaurant, django_assert_max_num_queries):
    """The same count with no bookings and with many (other days' bookings, other guests).

    14: session and user (2), membership (1), the pipeline (10: its transaction's savepoint pair, the
    idempotency-key lookup, 2 for validation, 2 for the customer, the booking insert, the outbox rows
    in one insert, the history row) and the identity's active bookings (1). PostgreSQL adds the
    slot's lock_timeout and advisory lock (2).
    """
    counts = []
    for n in range(2):
        with django_assert_max_num_queries(16 if connection.vendor == "postgresql" else 14) as captured:
            response = _post(
                host_client, build.ops_body(restaurant, email=f"counted{n}@example.org"), key=str(uuid.uuid4())
            )
        assert response.status_code == 201, response.json()
        counts.append(len(captured))
        BookingFactory.create_batch(30, restaurant=restaurant)  # today: other slots, other guests
    assert counts[0] == counts[1]
