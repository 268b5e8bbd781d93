"""`/api/guest/bookings/{token}` (DESIGN 10): GET, PATCH and cancel, and the cut-off (acceptance 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.models import Booking, TableAssignment
from bookings.services.lifecycle import booking_assign_tables
from bookings.tokens import manage_token
from notifications.models import Notification
from tests.factories import BookingFactory
from tests.guestportal.conftest import API, CANCEL_API, DAY, build, snapshot, subjects_to

pytestmark = pytest.mark.django_db

# DESIGN 5.2's representation without the idempotency data, plus canChange and changeDeadline.
GUEST_KEYS = set(
    "id reference restaurantId restaurantName bookingDate startTime endTime startAt endAt partySize bookingType "  # noqa: SIM905
    "seating status source customerName customerEmail customerPhone notes marketingOptIn notificationRecipient "
    "createdAt updatedAt canChange changeDeadline".split()
)
RESTAURANT_COPY = "hello@{slug}.example.com"


def test_get_answers_the_booking_as_its_guest_sees_it(api_client, guest_booking, token):
    response = api_client.get(API.format(token=token))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == GUEST_KEYS
    assert (body["id"], body["reference"], body["status"]) == (
        str(guest_booking.pk),
        guest_booking.reference,
        "pending_allocation",
    )
    assert (body["bookingDate"], body["startTime"], body["startAt"]) == (
        "2026-06-10",
        "19:00",
        "2026-06-10T19:00:00+01:00",
    )
    assert (body["canChange"], body["changeDeadline"]) == (True, "2026-06-10T17:00:00+01:00")
    assert "X-Booking-Validation" not in response.headers  # a read runs no validator


@pytest.mark.parametrize("method", ["put", "delete"])
def test_other_methods_are_405_json(api_client, token, method):
    response = getattr(api_client, method)(API.format(token=token), {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"error": f'Method "{method.upper()}" not allowed.'}


def _confirmed(booking: Booking, tables) -> Booking:
    booking_assign_tables(booking=booking, table_ids=[tables[1].pk], actor=None)
    return Booking.objects.get(pk=booking.pk)


def test_patch_sends_a_confirmed_booking_back_to_the_pending_status(
    validation_mode, api_client, restaurant, tables, committed
):
    with committed():
        booking = build.create(restaurant).booking
        booking = _confirmed(booking, tables)
    token = manage_token(booking)
    mail.outbox.clear()

    with committed():
        response = api_client.patch(API.format(token=token), {"party": 4, "time": "19:30"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    pending = {"unified": "pending_allocation", "legacy": "pending"}[validation_mode]
    assert set(body) == GUEST_KEYS
    assert (body["partySize"], body["startTime"], body["status"], body["canChange"]) == (4, "19:30", pending, True)
    booking.refresh_from_db()
    assert (booking.party_size, booking.start_time, booking.status) == (4, dt.time(19, 30), pending)
    assert not TableAssignment.objects.filter(booking=booking, released_at__isnull=True).exists()
    change = booking.status_changes.first()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        "confirmed",
        pending,
        "modified",
        None,
    )
    assert subjects_to("ada@example.com") == [f"Reservation change requested – {restaurant.name}"]
    assert subjects_to(RESTAURANT_COPY.format(slug=restaurant.slug)) == [
        f"Booking {booking.reference} changed by the guest – {restaurant.name}"
    ]
    kinds = set(booking.notifications.values_list("kind", flat=True))
    assert "updated" not in kinds
    assert {"modification_requested", "staff_guest_changed"} <= kinds
    if validation_mode == "unified":
        assert response.headers["X-Booking-Validation"] == "unified"


def test_patch_of_a_waiting_request_keeps_its_status_and_tells_both(api_client, guest_booking, token, committed):
    mail.outbox.clear()
    with committed():
        response = api_client.patch(API.format(token=token), {"date": "2026-06-11"}, format="json")

    assert response.status_code == 200
    assert (response.json()["bookingDate"], response.json()["status"]) == ("2026-06-11", "pending_allocation")
    assert sorted(m.subject.split(" – ")[0] for m in mail.outbox) == [
        f"Booking {guest_booking.reference} changed by the guest",
        "Reservation change requested",
    ]


def test_patch_of_the_notes_alone_saves_them_and_sends_nothing(api_client, guest_booking, token, committed):
    mail.outbox.clear()
    with committed():
        response = api_client.patch(API.format(token=token), {"notes": "  a high chair please "}, format="json")

    assert (response.status_code, response.json()["notes"]) == (200, "a high chair please")
    assert Booking.objects.get(pk=guest_booking.pk).notes == "a high chair please"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "status", "field_or_code"),
    [
        ({}, 400, "non_field_errors"),
        ({"party": "4"}, 400, "party"),
        ({"party": 0}, 400, "party"),
        ({"party": 10**12}, 400, "party"),
        ({"party": True}, 400, "party"),
        ({"date": "2026-02-30"}, 400, "date"),
        ({"date": "9999-12-31"}, 400, "date"),
        ({"date": None}, 400, "date"),
        ({"time": "25:00"}, 400, "time"),
        ({"time": "7pm"}, 400, "time"),
        ({"notes": "x" * 501}, 400, "notes"),
        ([1, 2], 400, "non_field_errors"),
        ("text", 400, "non_field_errors"),
        ({"party": 5}, 400, "PARTY_TOO_LARGE"),  # the six-top seats five, but online parties stop at four
        ({"date": "2026-09-01"}, 400, "OUTSIDE_BOOKING_WINDOW"),
        ({"time": "07:00"}, 400, "OUTSIDE_HOURS"),
        ({"party": 7}, 409, "CAPACITY_EXCEEDED"),  # no table seats seven
    ],
)
def test_a_bad_change_is_a_clear_4xx_and_changes_nothing(
    unified, api_client, restaurant, guest_booking, token, body, status, field_or_code
):
    restaurant.max_online_party = 4
    restaurant.save()
    before = snapshot(guest_booking)

    response = api_client.patch(API.format(token=token), body, format="json")

    assert response.status_code == status, response.json()
    answer = response.json()
    if "details" in answer:
        assert answer["error"] == "Invalid payload"
        assert field_or_code in answer["details"]
    elif "issues" in answer:
        assert answer["issues"][0]["code"] == field_or_code
    else:
        assert set(answer) == {"error", "code"}
        assert answer["code"] == field_or_code
    assert snapshot(guest_booking) == before


def test_malformed_json_is_a_400(api_client, guest_booking, token):
    before = snapshot(guest_booking)
    response = api_client.generic("PATCH", API.format(token=token), "{not json", content_type="application/json")
    assert (response.status_code, response.json()["error"]) == (400, "Invalid payload")
    assert snapshot(guest_booking) == before


def test_cancel_answers_id_and_status_and_tells_both(api_client, restaurant, tables, guest_booking, token, committed):
    with committed():
        booking = _confirmed(guest_booking, tables)
    mail.outbox.clear()
    with committed():
        response = api_client.post(CANCEL_API.format(token=token))

    assert (response.status_code, response.json()) == (200, {"id": str(booking.pk), "status": "cancelled"})
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    change = booking.status_changes.first()
    assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
        "confirmed",
        "cancelled",
        None,
        "guest",
    )
    assert change.metadata == {"cancelledBy": "guest", "online": True}
    assert not TableAssignment.objects.filter(booking=booking, released_at__isnull=True).exists()
    assert subjects_to("ada@example.com") == [f"Booking cancelled – {restaurant.name}"]
    assert subjects_to(RESTAURANT_COPY.format(slug=restaurant.slug)) == [
        f"Booking {booking.reference} cancelled by the guest – {restaurant.name}"
    ]
    assert set(
        Notification.objects.filter(booking=booking, dedupe_key=f"change:{change.pk}").values_list("kind", flat=True)
    ) == {"guest_cancellation", "staff_guest_cancelled"}


def _closed(response) -> None:
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"error", "code"}
    assert body["code"] == "CHANGE_WINDOW_CLOSED"
    assert "+442079460000" in body["error"]  # the restaurant's phone


CHANGES = {
    "patch": lambda client, token: client.patch(API.format(token=token), {"party": 3}, format="json"),
    "patch notes": lambda client, token: client.patch(API.format(token=token), {"notes": "late"}, format="json"),
    "cancel": lambda client, token: client.post(CANCEL_API.format(token=token)),
}


@pytest.mark.parametrize("action", CHANGES)
def test_inside_the_cutoff_a_change_or_cancel_is_409_and_changes_nothing(
    api_client, guest_booking, token, action, time_machine
):
    """Acceptance 4: at 17:00 (two hours before 19:00) the window has closed; a minute before it was open."""
    time_machine.move_to(dt.datetime(2026, 6, 10, 15, 59, tzinfo=dt.UTC), tick=False)
    assert api_client.get(API.format(token=token)).json()["canChange"] is True
    time_machine.move_to(dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC), tick=False)
    before = snapshot(guest_booking)

    _closed(CHANGES[action](api_client, token))

    assert snapshot(guest_booking) == before
    assert api_client.get(API.format(token=token)).json()["canChange"] is False


def test_the_cutoff_is_the_restaurants_setting(api_client, restaurant, guest_booking, token, time_machine):
    restaurant.guest_change_cutoff_minutes = 30
    restaurant.save()
    time_machine.move_to(dt.datetime(2026, 6, 10, 17, 29, tzinfo=dt.UTC), tick=False)  # 18:29 in London

    response = api_client.patch(API.format(token=token), {"notes": "thirty minutes is enough"}, format="json")

    assert (response.status_code, response.json()["changeDeadline"]) == (200, "2026-06-10T18:30:00+01:00")
    time_machine.move_to(dt.datetime(2026, 6, 10, 17, 30, tzinfo=dt.UTC), tick=False)
    _closed(CHANGES["cancel"](api_client, token))


@pytest.mark.parametrize("status", ["checked_in", "completed", "cancelled", "no_show"])
@pytest.mark.parametrize("action", CHANGES)
def test_in_a_final_status_a_change_or_cancel_is_409_and_changes_nothing(api_client, restaurant, status, action):
    booking = BookingFactory(restaurant=restaurant, booking_date=DAY, status=status)
    token = manage_token(booking)
    before = snapshot(booking)

    _closed(CHANGES[action](api_client, token))

    assert snapshot(booking) == before
    assert api_client.get(API.format(token=token)).json()["canChange"] is False
