"""`manage.py seed_demo`: a demo restaurant, two logins and a busy day, idempotently (DESIGN 7)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from bookings.models import Booking
from restaurants.models import Restaurant

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_builds_the_demo_restaurant_and_prints_the_logins():
    output = _run()

    restaurant = Restaurant.objects.get(slug="demo-kitchen")
    today = Booking.objects.filter(restaurant=restaurant, booking_date="2026-06-02")
    assert (restaurant.name, restaurant.timezone) == ("The Demo Kitchen", "Europe/London")
    assert restaurant.contact_email and restaurant.contact_phone and restaurant.address
    assert restaurant.tables.count() == 8
    assert {t.max_seats for t in restaurant.tables.all()} == {2, 4, 6}
    assert {(p.name, f"{p.start_time:%H}-{p.end_time:%H}") for p in restaurant.service_periods.all()} == {
        ("lunch", "12-15"),
        ("dinner", "17-22"),
    }
    assert {f"{h.opens_at:%H}-{h.closes_at:%H}" for h in restaurant.opening_hours.all()} == {"11-23"}
    assert restaurant.opening_hours.count() == 7
    assert today.count() >= 30
    statuses = set(today.values_list("status", flat=True))
    assert {"confirmed", "pending_allocation", "checked_in", "completed", "cancelled", "no_show"} <= statuses
    assert today.filter(status="confirmed", table_assignments__isnull=False).exists()
    assert today.filter(source="walk-in", customer_email=restaurant.contact_email).exists()  # contactless
    assert all(b.status_changes.filter(from_status="").exists() for b in today)
    for username, password in (("owner", "tablekeeper-owner"), ("host", "tablekeeper-host")):
        assert f"username '{username}' password '{password}'" in output
        # As the sign-in page asks (django-axes wants the request: the lockout is per address).
        user = authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)
        assert user is not None and user.is_staff
    assert restaurant.memberships.get(user__username="owner").role == "owner"
    assert restaurant.memberships.get(user__username="host").role == "host"
    assert "http://127.0.0.1:8000/admin/" in output and "/ops/bookings/new" in output


def test_running_it_twice_changes_nothing():
    _run()
    before = _counts()
    statuses = sorted(Booking.objects.values_list("reference", "status"))

    output = _run()

    assert _counts() == before
    assert sorted(Booking.objects.values_list("reference", "status")) == statuses
    assert "(0 created by this run)" in output


def test_with_debug_off_it_refuses_to_run_without_force(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off.*pass --force"):
        _run()

    assert not Restaurant.objects.exists()
    assert not get_user_model().objects.exists()


def test_with_debug_off_force_seeds_anyway(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--force", stdout=StringIO())

    assert Restaurant.objects.filter(slug="demo-kitchen").exists()
    assert set(get_user_model().objects.values_list("username", flat=True)) == {"owner", "host"}
