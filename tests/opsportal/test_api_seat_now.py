"""`POST /api/ops/bookings/seat-now` and who cancelled on `DELETE` (DESIGN 7, issue 12 acceptance 1).

Now is 19:07 in London on Wednesday 10 June 2026 (open 08:00-23:00): the walk-in takes the 19:00 slot.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from notifications.models import Notification
from tests.factories import BookingFactory, MembershipFactory, TableFactory, UserFactory
from tests.opsportal.conftest import LIST_URL, booking_url

pytestmark = pytest.mark.django_db
SEAT_NOW = f"{LIST_URL}/seat-now"


@pytest.fixture(autouse=True)
def _at_seven_past_seven(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 18, 7, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def floor(restaurant):
    return {
        name: TableFactory(restaurant=restaurant, name=name, max_seats=seats)
        for name, seats in (("Six", 6), ("Four", 4), ("Two", 2))
    }


@pytest.fixture
def door(api_client, host, floor):
    api_client.force_login(host)
    return api_client


def test_a_walk_in_is_seated_on_the_best_fit_and_answered_as_a_create(door, restaurant, host):
    response = door.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 3}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["duplicate"] is False
    assert (body["booking"]["status"], body["booking"]["customerName"], body["booking"]["source"]) == (
        "checked_in",
        "Walk-in",
        "walk-in",
    )
    assert (body["booking"]["startTime"], body["booking"]["partySize"]) == ("19:00", 3)
    assert response["X-Booking-Validation"] == "unified"
    booking = Booking.objects.get()
    assert [a.table.name for a in booking.table_assignments.all()] == ["Four"]
    assert booking.created_by == host


def test_the_tables_asked_for_and_a_replay(door, restaurant, floor):
    body = {"restaurantId": str(restaurant.pk), "party": 2, "tableIds": [floor["Six"].pk], "name": "Ada"}
    first = door.post(SEAT_NOW, body, format="json", headers={"Idempotency-Key": "door-7"})
    again = door.post(SEAT_NOW, body, format="json", headers={"Idempotency-Key": "door-7"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True and again.json()["booking"]["id"] == first.json()["booking"]["id"]
    assert [a.table.name for a in Booking.objects.get().table_assignments.all()] == ["Six"]


def test_no_table_free_is_409(door, restaurant):
    response = door.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 9}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "NO_TABLE_FREE"
    assert not Booking.objects.exists()


def test_another_restaurants_table_is_400(door, restaurant, other_restaurant_with_table):
    theirs = other_restaurant_with_table.tables.get()
    response = door.post(
        SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 2, "tableIds": [theirs.pk]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload" and "tableIds" in response.json()["details"]
    assert not Booking.objects.exists()


def test_a_non_member_is_403_and_nothing_is_written(api_client, restaurant, floor):
    api_client.force_login(UserFactory())
    response = api_client.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 2}, format="json")

    assert (response.status_code, response.json()) == (403, {"error": "Forbidden"})
    assert not Booking.objects.exists()


def test_anonymous_is_401(api_client, restaurant):
    response = api_client.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 2}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"party": 0}, "party"),
        ({"party": "2"}, "party"),
        ({"party": 2, "name": "J"}, "name"),
        ({"party": 2, "tableIds": ["T1"]}, "tableIds"),
        ({"party": 2, "email": "walkin+x@system.local"}, "email"),
        ({"party": 2, "notes": "x" * 501}, "notes"),
    ],
)
def test_an_invalid_body_is_400_with_the_field(door, restaurant, body, field):
    response = door.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), **body}, format="json")
    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.json()["details"])


def test_a_phone_not_valid_for_the_country_is_400(door, restaurant):
    response = door.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 2, "phone": "12"}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["details"]


def test_seat_now_is_in_the_schema(door):
    schema = door.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/ops/bookings/seat-now"]["post"]
    assert {"201", "400", "403", "409"} <= set(operation["responses"])


# --- who cancelled (DESIGN 7) ---------------------------------------------------------------------
@pytest.fixture
def confirmed(restaurant):
    return BookingFactory(restaurant=restaurant, booking_date=dt.date(2026, 6, 11))


@pytest.mark.parametrize(
    ("query", "by", "kind"),
    [("", "staff", "restaurant_cancellation"), ("?cancelledBy=restaurant", "staff", "restaurant_cancellation"),
     ("?cancelledBy=guest", "guest", "guest_cancellation")],
)  # fmt: skip
def test_delete_says_who_cancelled(door, confirmed, query, by, kind):
    response = door.delete(booking_url(confirmed) + query)

    assert response.status_code == 200
    assert confirmed.status_changes.get().metadata == {"cancelledBy": by}
    assert list(Notification.objects.filter(booking=confirmed).values_list("kind", flat=True)) == [kind]


def test_delete_with_an_unknown_canceller_is_400_and_changes_nothing(door, confirmed):
    response = door.delete(booking_url(confirmed) + "?cancelledBy=kitchen")

    assert response.status_code == 400 and "cancelledBy" in response.json()["details"]
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"


def test_another_member_role_may_seat_too(api_client, restaurant, floor):
    server = UserFactory()
    MembershipFactory(user=server, restaurant=restaurant, role="server")
    api_client.force_login(server)
    assert api_client.post(SEAT_NOW, {"restaurantId": str(restaurant.pk), "party": 1}, format="json").status_code == 201
