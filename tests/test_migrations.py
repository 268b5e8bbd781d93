"""Upgrading (docs/operations.md): `migrate` runs while the previous release still serves, so every
migration since that release must leave a schema the previous release's code can read and write.

The previous release's models are rebuilt from the migration graph at its last migrations
(`PREVIOUS_RELEASE`), exactly as that code saw them, and used on the fully migrated database; and an
upgrade from that release's schema is run with its data in place. Rolling upgrades are a
PostgreSQL promise: SQLite, the embedded single-machine default, is upgraded with the server
stopped. Move `PREVIOUS_RELEASE` forward at each release, once the clean-ups it allows (dropping a
column no code reads) have shipped.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from bookings.models import Booking
from restaurants.models import Restaurant

# The last migration of each app in the previous release.
PREVIOUS_RELEASE = [
    ("restaurants", "0002_restaurant_intervals_positive"),
    ("bookings", "0001_initial"),
    ("notifications", "0001_initial"),
]
START = dt.datetime(2030, 6, 3, 18, 0, tzinfo=dt.UTC)


def old_models(apps) -> dict:
    return {
        name: apps.get_model(app, name)
        for app, name in [
            ("restaurants", "Restaurant"),
            ("restaurants", "Table"),
            ("bookings", "Customer"),
            ("bookings", "Booking"),
            ("bookings", "BookingStatusChange"),
            ("bookings", "TableAssignment"),
            ("notifications", "Notification"),
        ]
    }


def write_as_the_previous_release(models: dict, slug: str):
    """What the previous release's code inserts: a restaurant, a table, a confirmed booking with its
    history, its table and its outbox row, none of them naming a column added since."""
    restaurant = models["Restaurant"].objects.create(name="Old Code Bistro", slug=slug, contact_email="r@example.com")
    table = models["Table"].objects.create(restaurant=restaurant, name="T1", max_seats=4)
    customer = models["Customer"].objects.create(
        restaurant=restaurant, full_name="Ada Old", email=f"ada@{slug}.example", phone="+447911100001"
    )
    booking = models["Booking"].objects.create(
        restaurant=restaurant,
        customer=customer,
        booking_date=START.date(),
        start_time=dt.time(19),
        end_time=dt.time(21),
        start_at=START,
        end_at=START + dt.timedelta(hours=2),
        party_size=2,
        booking_type="dinner",
        status="pending_allocation",
        customer_name="Ada Old",
        customer_email=customer.email,
    )
    for from_status, to_status in [("", "pending_allocation"), ("pending_allocation", "confirmed")]:
        models["BookingStatusChange"].objects.create(booking=booking, from_status=from_status, to_status=to_status)
    models["Booking"].objects.filter(pk=booking.pk).update(status="confirmed")
    models["TableAssignment"].objects.create(booking=booking, table=table)
    models["Notification"].objects.create(
        booking=booking, kind="confirmation", dedupe_key="created", queued_at=timezone.now()
    )
    return booking


@pytest.mark.postgres  # production's database; SQLite rebuilds a table to alter it, dropping what the state dropped
@pytest.mark.django_db
def test_the_previous_releases_code_reads_and_writes_the_migrated_schema():
    models = old_models(MigrationLoader(connection).project_state(PREVIOUS_RELEASE).apps)

    booking = write_as_the_previous_release(models, "old-code")

    for model in models.values():  # every column the old code selects is still there
        assert list(model.objects.all())
    restaurant = Restaurant.objects.get(slug="old-code")
    assert (restaurant.auto_allocate, restaurant.request_expiry_hours, restaurant.review_url) == (True, 24, "")
    assert (restaurant.min_notice_minutes, restaurant.max_online_party, restaurant.review_request_hours) == (60, 8, 3)
    assert len(Booking.objects.get(pk=booking.pk).manage_nonce) == 32
    # ... and what this release writes, the previous one reads.
    new = Restaurant.objects.create(name="New Code Bistro", slug="new-code")
    assert models["Restaurant"].objects.get(pk=new.pk).default_duration_minutes == 90


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_keeps_the_data_and_fills_the_new_booking_columns():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(PREVIOUS_RELEASE)
    try:
        old = old_models(executor.loader.project_state(PREVIOUS_RELEASE).apps)
        first = write_as_the_previous_release(old, "before-one")
        second = write_as_the_previous_release(old, "before-two")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
    finally:
        executor.migrate(latest)

    bookings = {b.pk: b for b in Booking.objects.filter(pk__in=[first.pk, second.pk])}
    changes = {pk: b.status_changes.order_by("id") for pk, b in bookings.items()}
    for pk, booking in bookings.items():
        assert booking.pending_since == changes[pk][0].changed_at
        assert booking.confirmed_at == changes[pk][1].changed_at
        assert len(booking.manage_nonce) == 32
        assert uuid.UUID(hex=booking.manage_nonce)  # 32 hex digits
    assert bookings[first.pk].manage_nonce != bookings[second.pk].manage_nonce
    assert Restaurant.objects.get(slug="before-one").auto_allocate is True
