"""Staff who are not superusers see and touch only their own restaurants (DESIGN 7).

A host of restaurant B gets a 404 (or 403) for every changelist row, change page and board action
of restaurant A, and nothing changes. Owners and managers edit their own restaurant's settings;
hosts and servers see them read-only.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse

from bookings.models import Booking, BookingStatusChange, Customer, TableAssignment
from bookings.services import lifecycle
from notifications.models import Notification
from restaurants.models import Membership, OpeningHours, Restaurant, ServicePeriod, Table
from tests.admin.conftest import BOARD_URL, TODAY, change_form_data, staff
from tests.factories import BookingFactory, ServicePeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def restaurant_a(restaurant, two_and_four_tables, board_owner):
    """Restaurant A with one row of every tenant-scoped model."""
    ServicePeriodFactory(restaurant=restaurant)
    booking = BookingFactory(restaurant=restaurant, pending_allocation=True)
    lifecycle.booking_assign_tables(booking=booking, table_ids=[two_and_four_tables[1].pk], actor=board_owner)
    return restaurant


SCOPED = {
    Restaurant: "pk",
    OpeningHours: "restaurant",
    ServicePeriod: "restaurant",
    Table: "restaurant",
    Membership: "restaurant",
    Customer: "restaurant",
    Booking: "restaurant",
    BookingStatusChange: "booking__restaurant",
    TableAssignment: "booking__restaurant",
    Notification: "booking__restaurant",
}


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def test_every_tenant_model_admin_is_covered():
    """A newly registered model with a restaurant must be added to SCOPED (and so to these tests)."""
    with_restaurant = {
        m for m in admin.site._registry if any(f.name in ("restaurant", "booking") for f in m._meta.get_fields())
    }
    assert with_restaurant - {Restaurant} <= set(SCOPED)


@pytest.mark.parametrize("model", list(SCOPED), ids=lambda m: m._meta.label)
def test_a_host_of_another_restaurant_sees_none_of_its_rows_and_gets_404_on_them(
    client, restaurant_a, other_place, model
):
    outsider = staff(other_place, "owner")
    BookingFactory(restaurant=other_place)  # the outsider's own data is there and visible
    client.force_login(outsider)
    theirs = model._default_manager.filter(**{SCOPED[model]: restaurant_a.pk})
    assert theirs.exists()

    changelist = client.get(_url(model, "changelist"))
    change_pages = [client.get(_url(model, "change", quote(obj.pk))) for obj in theirs]

    if changelist.status_code == 200:
        shown = {obj.pk for obj in changelist.context["cl"].result_list}
        assert shown.isdisjoint(theirs.values_list("pk", flat=True))
    else:
        assert changelist.status_code == 403  # no view permission on this model at all
    assert {r.status_code for r in change_pages} <= {302, 403, 404}
    assert all(r.status_code != 302 or "/login/" not in r.url for r in change_pages)


def test_board_actions_on_another_restaurants_booking_are_404_and_change_nothing(client, restaurant, other_place):
    booking = BookingFactory(restaurant=restaurant)
    outsider = staff(other_place, "host")
    client.force_login(outsider)

    for action in ("check-in", "no-show", "cancel", "assign", "check-out", "undo-no-show"):
        response = client.post(f"{BOARD_URL}{booking.pk}/board/{action}/", {"reason": "x"})
        assert response.status_code == 404, action
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not booking.status_changes.exists()


def test_the_board_ignores_a_restaurant_filter_for_someone_elses_restaurant(client, restaurant, other_place):
    secret = BookingFactory(restaurant=restaurant, customer_name="Secret Guest")
    mine = BookingFactory(restaurant=other_place, customer_name="My Guest")
    client.force_login(staff(other_place, "host"))

    response = client.get(BOARD_URL, {"restaurant": restaurant.pk, "booking_date": TODAY.isoformat()})

    assert response.status_code == 200
    assert [b.pk for b in response.context["cl"].result_list] == [mine.pk]
    assert secret.customer_name not in response.content.decode()
    assert restaurant.name not in response.content.decode()


def test_an_owner_edits_their_restaurant(client, restaurant, board_owner):
    client.force_login(board_owner)
    page = client.get(_url(Restaurant, "change", restaurant.pk))
    data = {**change_form_data(page), "name": "Renamed Bistro"}

    response = client.post(_url(Restaurant, "change", restaurant.pk), data)

    assert response.status_code == 302, response.context and response.context["adminform"].errors
    restaurant.refresh_from_db()
    assert restaurant.name == "Renamed Bistro"


@pytest.mark.parametrize("role", ["host", "server"])
def test_hosts_and_servers_see_their_restaurant_read_only(client, restaurant, role):
    user = staff(restaurant, role)
    client.force_login(user)

    page = client.get(_url(Restaurant, "change", restaurant.pk))
    post = client.post(_url(Restaurant, "change", restaurant.pk), {"name": "Hijacked", "slug": restaurant.slug})
    add_table = client.get(_url(Table, "add"))

    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # read-only: no input
    assert post.status_code == 403
    assert add_table.status_code == 403
    restaurant.refresh_from_db()
    assert restaurant.name != "Hijacked"


def test_an_owner_here_and_host_there_edits_only_where_they_own(client, restaurant, other_place):
    user = staff(restaurant, "owner")
    Membership.objects.create(user=user, restaurant=other_place, role="host")
    client.force_login(user)

    mine = client.get(_url(Restaurant, "change", restaurant.pk))
    hosted = client.post(_url(Restaurant, "change", other_place.pk), {"name": "Hijacked"})

    assert 'name="name"' in mine.content.decode()
    assert hosted.status_code == 403
    other_place.refresh_from_db()
    assert other_place.name == "Other Place"

    add_page = client.get(_url(Table, "add")).content.decode()
    table = {"name": "Sneaky", "section": "indoor", "min_seats": 1, "max_seats": 2, "is_active": "on"}
    refused = client.post(_url(Table, "add"), {**table, "restaurant": other_place.pk})
    allowed = client.post(_url(Table, "add"), {**table, "restaurant": restaurant.pk})

    assert str(restaurant.pk) in add_page and str(other_place.pk) not in add_page
    assert refused.status_code == 200  # the form again, with the restaurant choice refused
    assert not Table.objects.filter(restaurant=other_place, name="Sneaky").exists()
    assert allowed.status_code == 302
    assert Table.objects.filter(restaurant=restaurant, name="Sneaky").exists()


def test_dropdowns_offer_only_the_users_restaurants(client, restaurant, other_place, board_owner):
    staff(other_place, "owner")
    client.force_login(board_owner)

    page = client.get(_url(Table, "add")).content.decode()

    assert str(restaurant.pk) in page
    assert str(other_place.pk) not in page


def test_nobody_but_a_superuser_adds_or_deletes_restaurants(client, restaurant, board_owner, superuser):
    client.force_login(board_owner)
    assert client.get(_url(Restaurant, "add")).status_code == 403
    assert client.post(_url(Restaurant, "delete", restaurant.pk), {"post": "yes"}).status_code == 403
    assert Restaurant.objects.filter(pk=restaurant.pk).exists()

    client.force_login(superuser)
    assert client.get(_url(Restaurant, "add")).status_code == 200
