"""Staff access comes from Membership alone: the services set staff and role groups (DESIGN 7)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from config.errors import InvalidPayload
from restaurants import services
from restaurants.models import Membership
from restaurants.services import groups_sync, membership_grant, membership_revoke
from tests.factories import RestaurantFactory, UserFactory

pytestmark = pytest.mark.django_db


def _groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # permission caches are per instance


def test_granting_makes_staff_and_puts_the_user_in_the_role_group(restaurant):
    user = UserFactory(is_staff=False)

    membership = membership_grant(user=user, restaurant=restaurant, role="host")

    user.refresh_from_db()
    assert user.is_staff
    assert _groups(user) == {"Host"}
    assert (membership.user, membership.restaurant, membership.role) == (user, restaurant, "host")


def test_changing_a_role_swaps_the_group(restaurant):
    user = UserFactory()
    membership_grant(user=user, restaurant=restaurant, role="host")

    membership_grant(user=user, restaurant=restaurant, role="manager")

    assert Membership.objects.get(user=user).role == "manager"
    assert _groups(user) == {"Manager"}


def test_revoking_the_last_membership_drops_staff_and_groups(restaurant):
    other = RestaurantFactory()
    user = UserFactory()
    first = membership_grant(user=user, restaurant=restaurant, role="owner")
    second = membership_grant(user=user, restaurant=other, role="host")

    membership_revoke(membership=first)
    user.refresh_from_db()
    assert user.is_staff and _groups(user) == {"Host"}

    membership_revoke(membership=second)
    user.refresh_from_db()
    assert not user.is_staff and _groups(user) == set()
    assert not Membership.objects.filter(user=user).exists()


def test_an_unknown_role_is_refused_and_changes_nothing(restaurant):
    user = UserFactory(is_staff=False)
    with pytest.raises(InvalidPayload):
        membership_grant(user=user, restaurant=restaurant, role="chef")
    user.refresh_from_db()
    assert not user.is_staff and not Membership.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            "owner",
            {"restaurants.change_restaurant", "restaurants.add_table", "restaurants.view_membership",
             "bookings.change_booking", "bookings.change_customer", "notifications.view_notification"},
            {"restaurants.add_restaurant", "restaurants.delete_restaurant", "restaurants.add_membership",
             "bookings.add_booking", "bookings.delete_booking"},
        ),
        (
            "host",
            {"restaurants.view_restaurant", "restaurants.view_table", "bookings.change_booking",
             "bookings.change_customer", "notifications.change_notification"},
            {"restaurants.change_restaurant", "restaurants.add_table", "restaurants.add_restaurant",
             "restaurants.view_membership", "bookings.add_booking"},
        ),
    ],
)  # fmt: skip
def test_role_groups_carry_the_permissions_of_the_role(restaurant, role, allowed, refused):
    user = UserFactory()
    membership_grant(user=user, restaurant=restaurant, role=role)
    user = _fresh(user)

    assert {p for p in allowed | refused if user.has_perm(p)} == allowed


def test_groups_sync_is_idempotent_and_skips_models_that_do_not_exist(monkeypatch):
    monkeypatch.setitem(services.GROUP_PERMISSIONS, "Host", (*services.GROUP_PERMISSIONS["Host"], "nowhere.view_ghost"))
    groups_sync()
    before = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}

    groups_sync()

    after = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert after == before
    assert {"Owner", "Manager", "Host", "Server"} <= set(after)
    assert "view_ghost" not in after["Host"]
    assert after["Manager"] == after["Owner"] and after["Server"] == after["Host"]


def test_the_membership_admin_grants_and_revokes_through_the_services(client, restaurant):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    user = UserFactory(is_staff=False)

    added = client.post(
        "/admin/restaurants/membership/add/", {"user": user.pk, "restaurant": restaurant.pk, "role": "owner"}
    )
    user.refresh_from_db()
    assert added.status_code == 302
    assert user.is_staff and _groups(user) == {"Owner"}

    membership = Membership.objects.get(user=user)
    deleted = client.post(f"/admin/restaurants/membership/{membership.pk}/delete/", {"post": "yes"})
    user.refresh_from_db()
    assert deleted.status_code == 302
    assert not user.is_staff and _groups(user) == set()


@pytest.mark.django_db
def test_a_restaurant_cannot_have_a_zero_slot_interval():
    """The unified validator divides by it: the database refuses a zero however the row is saved."""
    restaurant = RestaurantFactory()
    restaurant.reservation_interval_minutes = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        restaurant.save()
