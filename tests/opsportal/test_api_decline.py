"""Declining a waiting request (DESIGN 7 "Host stand", issue 11 acceptance 6):
`POST /api/ops/bookings/{id}/decline` `{reason}` → cancelled, history reason `declined`, and exactly one
guest email, `booking_declined`, with the reason and a link to the restaurant's booking page."""

from __future__ import annotations

import pytest
from django.core import mail
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.services.lifecycle import DECLINED
from notifications.models import Notification
from tests.factories import BookingFactory
from tests.opsportal.conftest import booking_url, build

pytestmark = pytest.mark.django_db
S = Booking.Status


@pytest.fixture
def request_waiting(restaurant, four_four_tops, django_capture_on_commit_callbacks):
    """Tomorrow's web request for dinner, waiting for a table, its request emails sent."""
    with django_capture_on_commit_callbacks(execute=True):
        booking = build.create(restaurant).booking
    mail.outbox.clear()
    return booking


def _decline(client, booking, body, capture):
    with capture(execute=True):
        return client.post(booking_url(booking, "/decline"), body, format="json")


def test_declining_a_waiting_request_cancels_it_and_tells_the_guest_once(
    host_client, host, request_waiting, django_capture_on_commit_callbacks
):
    response = _decline(
        host_client, request_waiting, {"reason": "Fully booked that night"}, django_capture_on_commit_callbacks
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["status"]) == (str(request_waiting.pk), "cancelled")
    request_waiting.refresh_from_db()
    assert request_waiting.status == S.CANCELLED
    change = request_waiting.status_changes.first()
    assert (change.from_status, change.reason, change.changed_by) == (S.PENDING_ALLOCATION, DECLINED, host)
    assert change.metadata == {"cancelledBy": "staff", "message": "Fully booked that night"}

    rows = Notification.objects.filter(booking=request_waiting).exclude(
        kind__in=["request_received", "staff_new_request"]
    )
    assert [(n.kind, n.status) for n in rows] == [("booking_declined", "sent")]
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == f"Update on your request – {request_waiting.restaurant.name}"
    body = message.body
    assert "We could not take your request" in body and "Message from the restaurant: Fully booked that night" in body
    assert f"http://127.0.0.1:8000/r/{request_waiting.restaurant.slug}/" in body


def test_a_pending_request_of_legacy_mode_can_be_declined(host_client, restaurant, four_four_tops, settings):
    settings.BOOKING_VALIDATION_MODE = "legacy"
    booking = build.create(restaurant).booking
    assert booking.status == S.PENDING

    response = host_client.post(booking_url(booking, "/decline"), {"reason": "Closed for a wedding"}, format="json")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")


@pytest.mark.parametrize("status", [S.CONFIRMED, S.CHECKED_IN, S.CANCELLED, S.COMPLETED])
def test_declining_a_booking_past_pending_is_409_and_changes_nothing(host_client, restaurant, status):
    booking = BookingFactory(restaurant=restaurant, status=status)

    response = host_client.post(booking_url(booking, "/decline"), {"reason": "Fully booked"}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "error": f"Only a request still waiting can be declined; this booking is {status}",
        "code": "NOT_PENDING",
        "status": status,
    }
    booking.refresh_from_db()
    assert booking.status == status
    assert not Notification.objects.filter(booking=booking, kind="booking_declined").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"reason": ""}, "This field may not be blank."),
        ({"reason": "no"}, "Ensure this field has at least 3 characters."),
        ({"reason": "x" * 501}, "Ensure this field has no more than 500 characters."),
        ({"reason": ["Fully booked"]}, "Not a valid string."),
    ],
)
def test_a_missing_or_bad_reason_is_400(host_client, request_waiting, body, message):
    response = host_client.post(booking_url(request_waiting, "/decline"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid payload", "details": {"reason": [message]}}
    request_waiting.refresh_from_db()
    assert request_waiting.status == S.PENDING_ALLOCATION


def test_a_body_that_is_not_an_object_is_400(host_client, request_waiting):
    response = host_client.post(booking_url(request_waiting, "/decline"), ["Fully booked"], format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload"


def test_only_members_of_the_restaurant_may_decline(api_client, other_host, request_waiting):
    assert (
        api_client.post(booking_url(request_waiting, "/decline"), {"reason": "Fully booked"}, format="json").status_code
        == 401
    )
    api_client.force_login(other_host)
    response = api_client.post(booking_url(request_waiting, "/decline"), {"reason": "Fully booked"}, format="json")
    assert response.status_code == 404
    assert (
        api_client.post("/api/ops/bookings/not-a-uuid/decline", {"reason": "Fully booked"}, format="json").status_code
        == 404
    )
    request_waiting.refresh_from_db()
    assert request_waiting.status == S.PENDING_ALLOCATION


def test_a_session_without_the_csrf_token_is_403(host, request_waiting):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(host)

    response = client.post(booking_url(request_waiting, "/decline"), {"reason": "Fully booked"}, format="json")

    assert response.status_code == 403


def test_the_schema_documents_every_answer_of_decline():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/ops/bookings/{id}/decline"]["post"]

    assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][body.rsplit("/", 1)[1]]["required"] == ["reason"]
