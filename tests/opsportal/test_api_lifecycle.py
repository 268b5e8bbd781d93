"""The ops lifecycle API on `/api/ops/bookings/{id}` (issue 5): each action through its service."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking, BookingStatusChange, TableAssignment
from notifications.models import Notification
from tests.factories import BookingFactory, TableFactory, UserFactory
from tests.opsportal.conftest import LIST_URL, booking_url, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(restaurant):
    """Tonight's confirmed dinner for two."""
    return BookingFactory(restaurant=restaurant, booking_date=restaurant.today(), status="confirmed")


def _history(booking) -> list[tuple[str, str, int | None]]:
    return list(
        BookingStatusChange.objects.filter(booking=booking)
        .order_by("id")
        .values_list("from_status", "to_status", "changed_by_id")
    )


@pytest.mark.parametrize(
    ("suffix", "status", "stamp"),
    [("/check-in", "checked_in", "checked_in_at"), ("/no-show", "no_show", None)],
)
def test_day_of_service_actions(host_client, host, booking, suffix, status, stamp):
    response = host_client.post(booking_url(booking, suffix))

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(booking.pk)
    assert response.json()["status"] == status
    booking.refresh_from_db()
    assert booking.status == status
    if stamp:
        assert getattr(booking, stamp) is not None
    assert _history(booking) == [("confirmed", status, host.pk)]


def test_check_out_completes_and_releases_tables(host_client, host, booking, four_four_tops):
    booking.table_assignments.create(table=four_four_tops[0])
    host_client.post(booking_url(booking, "/check-in"))

    response = host_client.post(booking_url(booking, "/check-out"))

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    booking.refresh_from_db()
    assert booking.checked_out_at >= booking.checked_in_at
    assert not TableAssignment.objects.filter(booking=booking, released_at__isnull=True).exists()
    assert _history(booking)[-1] == ("checked_in", "completed", host.pk)


def test_undo_no_show_restores_confirmed(host_client, host, booking):
    host_client.post(booking_url(booking, "/no-show"))

    response = host_client.post(booking_url(booking, "/undo-no-show"))

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert _history(booking) == [("confirmed", "no_show", host.pk), ("no_show", "confirmed", host.pk)]


def test_delete_is_a_staff_cancellation(host_client, host, booking):
    response = host_client.delete(booking_url(booking))

    assert response.status_code == 200
    assert response.json() == {"id": str(booking.pk), "status": "cancelled"}
    change = BookingStatusChange.objects.get(booking=booking)
    assert (change.to_status, change.changed_by, change.metadata) == ("cancelled", host, {"cancelledBy": "staff"})


def test_forbidden_transition_is_409_naming_both_states(host_client, restaurant):
    pending = BookingFactory(restaurant=restaurant, booking_date=restaurant.today(), status="pending")

    response = host_client.post(booking_url(pending, "/check-in"))

    assert response.status_code == 409
    assert "pending" in response.json()["error"]
    assert "checked_in" in response.json()["error"]
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert _history(pending) == []


def test_check_in_on_another_day_is_409(host_client, restaurant):
    tomorrow = BookingFactory(restaurant=restaurant, booking_date=restaurant.today() + dt.timedelta(days=1))

    response = host_client.post(booking_url(tomorrow, "/check-in"))

    assert response.status_code == 409
    assert response.json()["code"] == "NOT_SERVICE_DAY"
    tomorrow.refresh_from_db()
    assert tomorrow.status == "confirmed"


def test_cancelling_twice_is_409(host_client, booking):
    host_client.delete(booking_url(booking))

    response = host_client.delete(booking_url(booking))

    assert response.status_code == 409
    assert "cancelled" in response.json()["error"]


# --- tables ------------------------------------------------------------------------------------------
def test_assigning_a_table_confirms_a_pending_contactless_walkin(
    host_client, host, restaurant, four_four_tops, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.BOOKING_VALIDATION_MODE = "unified"
    with django_capture_on_commit_callbacks(execute=True):
        created = host_client.post(LIST_URL, build.ops_body(restaurant), format="json").json()["booking"]
    booking = Booking.objects.get(pk=created["id"])
    assert booking.status == "pending_allocation"
    assert booking.notification_recipient == "restaurant_fallback"
    mailoutbox.clear()  # the "request received" copy

    with django_capture_on_commit_callbacks(execute=True):
        response = host_client.post(
            booking_url(booking, "/assign-tables"), {"tableIds": [four_four_tops[0].pk]}, format="json"
        )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "confirmed"
    latest = booking.status_changes.latest()
    assert (latest.from_status, latest.to_status, latest.changed_by, latest.reason) == (
        "pending_allocation",
        "confirmed",
        host,
        "tables_assigned",
    )
    assert list(booking.table_assignments.values_list("table_id", flat=True)) == [four_four_tops[0].pk]
    confirmation = Notification.objects.get(booking=booking, kind="confirmation")
    assert (confirmation.status, confirmation.recipient, confirmation.recipient_source) == (
        "sent",
        restaurant.contact_email,
        "restaurant_fallback",
    )
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([restaurant.contact_email], f"Your reservation ticket – {restaurant.name}")
    ]
    assert [a[0] for a in mailoutbox[0].attachments] == [f"booking-{booking.reference}.ics"]


def test_assigning_a_taken_table_is_409(host_client, restaurant, booking, four_four_tops):
    rival = BookingFactory(restaurant=restaurant, booking_date=booking.booking_date, status="confirmed")
    rival.table_assignments.create(table=four_four_tops[0])

    response = host_client.post(
        booking_url(booking, "/assign-tables"), {"tableIds": [four_four_tops[0].pk]}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "TABLE_UNAVAILABLE"
    assert not booking.table_assignments.exists()


def test_assigning_a_too_small_table_is_409(host_client, restaurant, booking):
    stool = TableFactory(restaurant=restaurant, name="Stool", max_seats=1)

    response = host_client.post(booking_url(booking, "/assign-tables"), {"tableIds": [stool.pk]}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "TABLE_TOO_SMALL"
    assert not booking.table_assignments.exists()


@pytest.mark.parametrize("body", [{"tableIds": []}, {"tableIds": ["T1"]}, {}, {"tableIds": "1"}])
def test_assign_tables_bad_body_is_400(host_client, booking, body):
    response = host_client.post(booking_url(booking, "/assign-tables"), body, format="json")

    assert response.status_code == 400
    assert any(field.startswith("tableIds") for field in response.json()["details"])


def test_assigning_another_restaurants_table_is_400(host_client, booking, other_restaurant_with_table):
    foreign = other_restaurant_with_table.tables.get()

    response = host_client.post(booking_url(booking, "/assign-tables"), {"tableIds": [foreign.pk]}, format="json")

    assert response.status_code == 400
    assert "tableIds" in response.json()["details"]
    assert not booking.table_assignments.exists()


# --- PATCH ---------------------------------------------------------------------------------------------
def test_patch_notes_only_keeps_the_status(host_client, booking):
    response = host_client.patch(booking_url(booking), {"notes": "Birthday cake at 9"}, format="json")

    assert response.status_code == 200
    assert response.json()["notes"] == "Birthday cake at 9"
    assert response.json()["status"] == "confirmed"
    booking.refresh_from_db()  # what was stored, not only what was answered
    assert (booking.notes, booking.status) == ("Birthday cake at 9", "confirmed")


def test_patch_time_of_a_confirmed_booking_returns_it_to_pending(
    host_client, host, restaurant, four_four_tops, settings
):
    settings.BOOKING_VALIDATION_MODE = "unified"
    tomorrow = restaurant.today() + dt.timedelta(days=1)
    booking = BookingFactory(restaurant=restaurant, booking_date=tomorrow, status="confirmed")
    booking.table_assignments.create(table=four_four_tops[0])

    response = host_client.patch(booking_url(booking), {"time": "18:00", "partySize": 3}, format="json")

    assert response.status_code == 200, response.json()
    assert response.headers["X-Booking-Validation"] == "unified"
    assert (response.json()["startTime"], response.json()["partySize"]) == ("18:00", 3)
    assert response.json()["status"] == "pending_allocation"
    assert booking.status_changes.latest().reason == "modified"
    assert booking.status_changes.latest().changed_by == host


def test_patch_into_a_full_slot_is_409_in_unified_mode(host_client, restaurant, four_four_tops, settings):
    settings.BOOKING_VALIDATION_MODE = "unified"
    tomorrow = restaurant.today() + dt.timedelta(days=1)
    booking = BookingFactory(restaurant=restaurant, booking_date=tomorrow, start_time=dt.time(12), end_time=dt.time(14))
    for table in four_four_tops:
        BookingFactory(restaurant=restaurant, booking_date=tomorrow, status="confirmed").table_assignments.create(
            table=table
        )

    response = host_client.patch(booking_url(booking), {"time": "19:00"}, format="json")

    assert response.status_code == 409
    assert response.json()["issues"][0]["code"] == "CAPACITY_EXCEEDED"
    booking.refresh_from_db()
    assert booking.start_time == dt.time(12)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2030-02-30"}, "date"),
        ({"time": "25:61"}, "time"),
        ({"party": "two"}, "party"),
        ({"partySize": 0}, "partySize"),
        ({"notes": "x" * 501}, "notes"),
        ({}, "non_field_errors"),
    ],
)
def test_patch_bad_input_is_400(host_client, booking, body, field):
    response = host_client.patch(booking_url(booking), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["details"]


def test_patch_of_a_cancelled_booking_is_409(host_client, restaurant):
    cancelled = BookingFactory(restaurant=restaurant, status="cancelled", party_size=2)

    response = host_client.patch(booking_url(cancelled), {"party": 4}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "NOT_MODIFIABLE"
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.party_size) == ("cancelled", 2)


# --- history -------------------------------------------------------------------------------------------
def test_history_is_newest_first_with_the_actor(host_client, booking):
    host = UserFactory(first_name="Hana", last_name="Host")
    host_client.force_login(host)
    host.memberships.create(restaurant=booking.restaurant, role="host")
    host_client.post(booking_url(booking, "/no-show"))
    host_client.post(booking_url(booking, "/undo-no-show"))

    response = host_client.get(booking_url(booking, "/history"))

    assert response.status_code == 200
    assert [(h["fromStatus"], h["toStatus"]) for h in response.json()] == [
        ("no_show", "confirmed"),
        ("confirmed", "no_show"),
    ]
    assert response.json()[0]["changedBy"] == {"id": host.pk, "name": "Hana Host", "email": host.email}
    assert response.json()[0]["reason"] == "undo_no_show"


# --- cross-tenant: every endpoint as a host of another restaurant ----------------------------------
def test_a_host_of_another_restaurant_gets_nothing_anywhere(api_client, other_host, restaurant, four_four_tops):
    booking = BookingFactory(restaurant=restaurant, booking_date=restaurant.today(), status="confirmed")
    before = (Booking.objects.values().get(pk=booking.pk), _history(booking), TableAssignment.objects.count())
    api_client.force_login(other_host)
    rid = {"restaurantId": str(restaurant.pk)}
    calls = [
        ("get", LIST_URL, rid),
        ("post", LIST_URL, build.ops_body(restaurant)),
        ("get", booking_url(booking), None),
        ("patch", booking_url(booking), {"notes": "mine now"}),
        ("delete", booking_url(booking), None),
        ("post", booking_url(booking, "/check-in"), None),
        ("post", booking_url(booking, "/check-out"), None),
        ("post", booking_url(booking, "/no-show"), None),
        ("post", booking_url(booking, "/undo-no-show"), None),
        ("post", booking_url(booking, "/assign-tables"), {"tableIds": [four_four_tops[0].pk]}),
        ("get", booking_url(booking, "/history"), None),
        ("get", f"{LIST_URL}/status-summary", rid),
        ("get", f"{LIST_URL}/export", {**rid, "date": booking.booking_date.isoformat()}),
    ]
    for method, url, data in calls:
        kwargs = {"format": "json"} if method in {"post", "patch"} else {}
        response = getattr(api_client, method)(url, data, **kwargs)
        assert response.status_code in {403, 404}, (method, url, response.status_code)
        assert str(booking.reference) not in response.content.decode()

    assert (Booking.objects.values().get(pk=booking.pk), _history(booking), TableAssignment.objects.count()) == before
    assert Booking.objects.count() == 1
