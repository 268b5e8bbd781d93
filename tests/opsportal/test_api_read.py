"""`GET /api/ops/bookings`, `/{id}`, `/status-summary`, `/export` (DESIGN 7, issue 3 and 5 acceptance)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
import time_machine

from restaurants.services import membership_grant
from tests.factories import BookingFactory, MembershipFactory, RestaurantFactory, TableFactory, UserFactory
from tests.opsportal.conftest import LIST_URL, booking_url

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 6, 1)  # Europe/London is UTC+1 in June


def _at(restaurant, hour, minute=0, **fields):
    start = dt.time(hour, minute)
    end = (dt.datetime.combine(DAY, start) + dt.timedelta(hours=2)).time()
    return BookingFactory(restaurant=restaurant, booking_date=DAY, start_time=start, end_time=end, **fields)


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["items"]]


# --- list ------------------------------------------------------------------------------------------
def test_list_defaults_to_the_first_membership_ordered_by_start(host_client, restaurant, other_restaurant_with_table):
    late, early = _at(restaurant, 20), _at(restaurant, 18)
    _at(other_restaurant_with_table, 19)

    response = host_client.get(LIST_URL)

    assert response.status_code == 200
    assert [b["id"] for b in response.json()["items"]] == [str(early.pk), str(late.pk)]
    assert response.json()["pageInfo"] == {"page": 1, "pageSize": 10, "total": 2, "hasNext": False}


def test_list_filters(host_client, restaurant):
    a = _at(restaurant, 12, status="pending", customer_name="Ada Lovelace")
    b = _at(restaurant, 13, status="confirmed", customer_email="grace@example.com")
    c = _at(restaurant, 19, status="cancelled", customer_phone="+447700900555")

    assert ids(host_client.get(LIST_URL, {"status": "confirmed"})) == [str(b.pk)]
    assert ids(host_client.get(LIST_URL, {"statuses": "pending,cancelled"})) == [str(a.pk), str(c.pk)]
    assert ids(host_client.get(LIST_URL, {"query": "LOVELACE"})) == [str(a.pk)]
    assert ids(host_client.get(LIST_URL, {"query": "GRACE@"})) == [str(b.pk)]
    assert ids(host_client.get(LIST_URL, {"query": "900555"})) == [str(c.pk)]
    assert ids(host_client.get(LIST_URL, {"query": c.reference.lower()})) == [str(c.pk)]
    # 13:00 London is 12:00Z; `from` is inclusive, `to` exclusive.
    window = {"from": "2030-06-01T12:00:00+00:00", "to": "2030-06-01T18:00:00+00:00"}
    assert ids(host_client.get(LIST_URL, window)) == [str(b.pk)]
    assert ids(host_client.get(LIST_URL, {"from": "2030-06-01T13:00:00+01:00"})) == [str(b.pk), str(c.pk)]


def test_list_pages(host_client, restaurant):
    bookings = [_at(restaurant, 12, minute) for minute in range(0, 60, 5)]  # 12

    first = host_client.get(LIST_URL, {"pageSize": 5})
    last = host_client.get(LIST_URL, {"pageSize": 5, "page": 3})
    beyond = host_client.get(LIST_URL, {"pageSize": 5, "page": 9})

    assert [b["id"] for b in first.json()["items"]] == [str(b.pk) for b in bookings[:5]]
    assert first.json()["pageInfo"] == {"page": 1, "pageSize": 5, "total": 12, "hasNext": True}
    assert [b["id"] for b in last.json()["items"]] == [str(b.pk) for b in bookings[10:]]
    assert last.json()["pageInfo"]["hasNext"] is False
    assert beyond.json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": 51}, "pageSize"),
        ({"pageSize": 0}, "pageSize"),
        ({"page": "x"}, "page"),
        ({"status": "lost"}, "status"),
        ({"statuses": "pending,lost"}, "statuses"),
        ({"from": "2030-06-01T12:00:00"}, "from"),  # no offset
        ({"to": "tomorrow"}, "to"),
        ({"restaurantId": "nope"}, "restaurantId"),
    ],
)
def test_list_bad_query_is_400(host_client, params, field):
    response = host_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid payload"
    assert field in response.json()["details"]


def test_list_of_a_restaurant_the_user_is_not_a_member_of_is_403(host_client, other_restaurant_with_table):
    _at(other_restaurant_with_table, 19)

    response = host_client.get(LIST_URL, {"restaurantId": str(other_restaurant_with_table.pk)})

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden"}


def test_list_can_pick_any_of_the_users_restaurants(host_client, host, other_restaurant_with_table):
    MembershipFactory(user=host, restaurant=other_restaurant_with_table)
    theirs = _at(other_restaurant_with_table, 19)

    response = host_client.get(LIST_URL, {"restaurantId": str(other_restaurant_with_table.pk)})

    assert [b["id"] for b in response.json()["items"]] == [str(theirs.pk)]


def test_user_without_membership_is_403(api_client, db):
    from tests.factories import UserFactory

    api_client.force_login(UserFactory())
    assert api_client.get(LIST_URL).status_code == 403


def test_list_throttle_is_120_a_minute(token_client):
    with time_machine.travel("2030-01-01 12:00:30Z", tick=False):
        statuses = {token_client.get(LIST_URL).status_code for _ in range(120)}
        response = token_client.get(LIST_URL)

    assert statuses == {200}
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests", "code": "RATE_LIMITED", "retryAfter": 30}
    assert response.headers["Retry-After"] == "30"


def test_list_runs_a_fixed_number_of_queries(host_client, restaurant, django_assert_num_queries):
    for hour in range(8, 20):
        for minute in range(0, 60, 3):
            _at(restaurant, hour, minute)  # 240 bookings on one day
    # session, user, membership, count, page
    with django_assert_num_queries(5):
        response = host_client.get(LIST_URL, {"pageSize": 50, "from": "2030-06-01T00:00:00+01:00"})
    assert len(response.json()["items"]) == 50
    assert response.json()["pageInfo"]["total"] == 240


# --- retrieve ----------------------------------------------------------------------------------------
def test_retrieve_own_booking(host_client, restaurant):
    booking = _at(restaurant, 19)

    response = host_client.get(booking_url(booking))

    assert response.status_code == 200
    assert response.json()["reference"] == booking.reference
    assert response.json()["startAt"] == "2030-06-01T19:00:00+01:00"


@pytest.mark.parametrize("path", ["{other}", "{unknown}", "not-a-uuid"])
def test_retrieve_anything_else_is_404(host_client, other_restaurant_with_table, path):
    other = _at(other_restaurant_with_table, 19)

    response = host_client.get(f"{LIST_URL}/" + path.format(other=other.pk, unknown=uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


# --- status summary --------------------------------------------------------------------------------
def test_status_summary_counts_every_status(host_client, restaurant, other_restaurant_with_table):
    _at(restaurant, 12, status="pending")
    _at(restaurant, 13, status="pending")
    _at(restaurant, 19, status="confirmed")
    _at(other_restaurant_with_table, 19, status="confirmed")

    response = host_client.get(f"{LIST_URL}/status-summary", {"restaurantId": str(restaurant.pk)})
    windowed = host_client.get(f"{LIST_URL}/status-summary", {"from": "2030-06-01T17:00:00+00:00"})

    assert response.status_code == 200
    assert response.json() == {
        "restaurantId": str(restaurant.pk),
        "total": 3,
        "totals": {
            "pending": 2,
            "pending_allocation": 0,
            "confirmed": 1,
            "checked_in": 0,
            "completed": 0,
            "cancelled": 0,
            "no_show": 0,
        },
    }
    assert windowed.json()["totals"]["confirmed"] == 1
    assert windowed.json()["total"] == 1


# --- export ----------------------------------------------------------------------------------------
def test_export_is_a_csv_of_one_day_in_start_order_with_awkward_text_intact(host_client, restaurant):
    table = TableFactory(restaurant=restaurant, name="Window 1")
    late = _at(restaurant, 20, 30, customer_name='Smith, "Jo"', notes="Allergies:\nnuts, shellfish")
    early = _at(restaurant, 12, customer_name="Ann", customer_email="walkin+abc@system.local")
    early.table_assignments.create(table=table)
    BookingFactory(restaurant=restaurant, booking_date=DAY + dt.timedelta(days=1))

    response = host_client.get(f"{LIST_URL}/export", {"date": DAY.isoformat()})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{restaurant.slug}-2030-06-01.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["reference"] for r in rows] == [early.reference, late.reference]
    assert rows[0]["start"] == "12:00"  # local time, not UTC
    assert rows[0]["email"] == ""  # placeholders are never shown
    assert rows[0]["tables"] == "Window 1"
    assert rows[1]["name"] == 'Smith, "Jo"'
    assert rows[1]["notes"] == "Allergies:\nnuts, shellfish"
    assert rows[1]["start"] == "20:30"


def test_export_shows_only_the_guests_own_email(host_client, restaurant):
    _at(
        restaurant,
        19,
        customer_email=restaurant.contact_email,  # the fallback copy's address, not the guest's
        details={"channel": "ops", "providedContact": {"email": False, "phone": False}},
    )

    response = host_client.get(f"{LIST_URL}/export", {"date": DAY.isoformat()})

    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["email"] == ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_defuses_text_a_spreadsheet_would_run(host_client, restaurant, start):
    _at(restaurant, 19, customer_name=f"{start}HYPERLINK(1)", notes=f"{start}2 chairs")

    response = host_client.get(f"{LIST_URL}/export", {"date": DAY.isoformat()})

    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert (row["name"], row["notes"]) == (f"'{start}HYPERLINK(1)", f"'{start}2 chairs")


def test_export_needs_a_real_date(host_client):
    response = host_client.get(f"{LIST_URL}/export", {"date": "2030-02-30"})

    assert response.status_code == 400
    assert "date" in response.json()["details"]


def test_export_of_another_restaurant_is_403(host_client):
    other = RestaurantFactory()

    response = host_client.get(f"{LIST_URL}/export", {"date": DAY.isoformat(), "restaurantId": str(other.pk)})

    assert response.status_code == 403


def test_the_default_restaurant_is_the_first_membership_everywhere(client):
    """The ops API list, the walk-in form and the board all start on the first restaurant granted."""
    user = UserFactory()
    first = RestaurantFactory(name="Zed's Diner")
    later = RestaurantFactory(name="Alpha Bistro")
    membership_grant(user=user, restaurant=first, role="host")
    membership_grant(user=user, restaurant=later, role="host")
    BookingFactory(restaurant=first)
    BookingFactory(restaurant=later)
    client.force_login(user)

    listed = client.get(LIST_URL).json()["items"]
    form = client.get("/ops/bookings/new").context["form"]
    board = client.get("/admin/bookings/booking/").context["board"]

    assert {item["restaurantId"] for item in listed} == {str(first.pk)}
    assert form.initial["restaurantId"] == first.pk
    assert board.restaurant == first
