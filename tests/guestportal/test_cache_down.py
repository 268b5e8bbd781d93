"""The shared cache down (DESIGN 12; issue 10 acceptance 7): guests are served, with one warning each.

`CACHE_URL` points at a closed port: Django's RedisCache cannot connect, the throttle lets the
request through and says so once; nothing else breaks or complains.
"""

from __future__ import annotations

import logging

import pytest

from bookings.models import Booking
from tests.guestportal.conftest import API, build
from tests.guestportal.test_booking_page import details
from tests.integration import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    port = free_port()  # bound, then released: nobody listens there
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }


REQUESTS = {
    "public create": (
        lambda c, a, r, t: a.post("/api/bookings", build.body(r, email="new@example.com", time="12:00"), format="json"),
        201,
    ),
    "availability": (
        lambda c, a, r, t: a.get(f"/api/restaurants/{r.slug}/availability", {"date": "2026-06-10", "party": "2"}),
        200,
    ),
    "token lookup": (lambda c, a, r, t: a.get(API.format(token=t)), 200),
    "guest change": (lambda c, a, r, t: a.patch(API.format(token=t), {"notes": "hi"}, format="json"), 200),
    "manage page": (lambda c, a, r, t: c.get(f"/b/{t}"), 200),
    "booking page search": (lambda c, a, r, t: c.get(f"/r/{r.slug}/", {"date": "2026-06-10", "party": "2"}), 200),
    "booking page submit": (
        lambda c, a, r, t: c.post(f"/r/{r.slug}/", details(r, email="page@example.com", time="13:00")),
        302,
    ),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_with_the_cache_unreachable_guests_are_served_with_one_warning(
    client, api_client, restaurant, guest_booking, token, cache_down, caplog, name
):
    call, status = REQUESTS[name]
    caplog.clear()

    with caplog.at_level(logging.WARNING):
        response = call(client, api_client, restaurant, token)

    assert response.status_code == status
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.getMessage()) for r in warnings] == [
        ("tablekeeper.throttle", f"event=throttle_unavailable scope={scope_of(name)}")
    ]


def scope_of(name: str) -> str:
    if name in ("public create", "booking page submit"):
        return "public_booking"
    if name in ("availability", "booking page search"):
        return "availability"
    return "guest_token"


def test_bookings_made_while_the_cache_is_down_are_real(api_client, restaurant, tables, cache_down):
    for i in range(3):
        assert (
            api_client.post("/api/bookings", build.body(restaurant, time=f"1{i}:00"), format="json").status_code == 201
        )
    assert Booking.objects.count() == 3
