"""50 concurrent creates with one Idempotency-Key make one booking (issue 3 acceptance 4, DESIGN 5.4)."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, BookingStatusChange
from tests.concurrency import run_concurrently
from tests.opsportal.conftest import LIST_URL, build

THREADS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_with_one_key_create_one_booking(host, restaurant, four_four_tops, token_for):
    key = str(uuid.uuid4())
    body = build.ops_body(restaurant, email="rush@example.com")
    token = token_for(host)

    def post(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY=key)
        response = client.post(LIST_URL, body, format="json")
        return response.status_code, response.json()

    results = run_concurrently(post, THREADS)

    booking = Booking.objects.get()
    created = [b for status, b in results if status == 201]
    replays = [b for status, b in results if status == 200]
    in_flight = [b for status, b in results if status == 409]
    assert len(created) == 1
    assert len(created) + len(replays) + len(in_flight) == THREADS, {s for s, _ in results}
    assert all(b["duplicate"] is True and b["booking"]["id"] == str(booking.pk) for b in replays)
    assert all(b["code"] == "IDEMPOTENCY_IN_FLIGHT" for b in in_flight)
    assert BookingStatusChange.objects.filter(booking=booking).count() == 1
