"""Writes about restaurant staff: memberships and the permission groups behind them (DESIGN 7).

Staff access comes from Membership alone. `membership_grant` / `membership_revoke` keep the user's
`is_staff` flag and role groups in step with their memberships; `groups_sync` keeps each role group's
model permissions in step with `GROUP_PERMISSIONS`.

Why a `post_migrate` receiver (restaurants.apps) and not a data migration: Django creates model
permissions in its own `post_migrate` handler, after every migration has run, so a data migration on
a fresh database sees none of them, and it would never see the permissions of models added later
(e.g. `notifications.Notification`). The receiver runs after every `migrate` (and after the test
runner's flushes), first makes sure every installed model's permissions exist, then sets the
groups, so the groups are always complete and re-running it changes nothing. `seed_demo` calls it
too. Codenames of models that are not installed are skipped, never an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from config.errors import InvalidPayload
from restaurants.models import Membership, Restaurant

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Role = Membership.Role

ROLE_GROUPS: dict[str, str] = {
    Role.OWNER: "Owner",
    Role.MANAGER: "Manager",
    Role.HOST: "Host",
    Role.SERVER: "Server",
}

# Every role runs the day: bookings, guests, the history and the notifications of a booking.
_RUN_THE_DAY = (
    "bookings.view_booking",
    "bookings.change_booking",
    "bookings.view_customer",
    "bookings.change_customer",
    "bookings.view_bookingstatuschange",
    "bookings.view_tableassignment",
    "notifications.view_notification",
    "notifications.change_notification",
)
# Owners and managers also edit their restaurant's settings, hours, periods and tables. Only
# superusers add or delete restaurants and manage memberships.
_ADMIN_ROLE_PERMISSIONS = (
    *_RUN_THE_DAY,
    "restaurants.view_restaurant",
    "restaurants.change_restaurant",
    "restaurants.view_membership",
    *(
        f"restaurants.{action}_{model}"
        for model in ("openinghours", "serviceperiod", "table")
        for action in ("view", "add", "change", "delete")
    ),
)
# Hosts and servers see the restaurant's settings read-only.
_FLOOR_ROLE_PERMISSIONS = (
    *_RUN_THE_DAY,
    "restaurants.view_restaurant",
    "restaurants.view_openinghours",
    "restaurants.view_serviceperiod",
    "restaurants.view_table",
)
GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ROLE_GROUPS[Role.OWNER]: _ADMIN_ROLE_PERMISSIONS,
    ROLE_GROUPS[Role.MANAGER]: _ADMIN_ROLE_PERMISSIONS,
    ROLE_GROUPS[Role.HOST]: _FLOOR_ROLE_PERMISSIONS,
    ROLE_GROUPS[Role.SERVER]: _FLOOR_ROLE_PERMISSIONS,
}


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    """The Permission rows for `app_label.codename` names; names of uninstalled models are skipped."""
    query = Q()
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


@transaction.atomic
def groups_sync() -> None:
    """Create the role groups and set exactly their permissions; idempotent."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for name, permission_names in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permission_names))


def _staff_access_sync(*, user: User) -> None:
    """Role groups of the user's memberships, and staff while any membership remains."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    wanted = {ROLE_GROUPS[role] for role in roles}
    for name in wanted:
        Group.objects.get_or_create(name=name)
    role_groups = Group.objects.filter(name__in=ROLE_GROUPS.values())
    user.groups.remove(*role_groups.exclude(name__in=wanted))
    user.groups.add(*role_groups.filter(name__in=wanted))
    user.is_staff = bool(roles) or user.is_superuser
    user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_grant(*, user: User, restaurant: Restaurant, role: str) -> Membership:
    """Make `user` a member of `restaurant` with `role` (or change their role there)."""
    if role not in ROLE_GROUPS:
        raise InvalidPayload({"role": [f"Unknown role {role!r}; one of {', '.join(ROLE_GROUPS)}."]})
    membership, _ = Membership.objects.update_or_create(user=user, restaurant=restaurant, defaults={"role": role})
    _staff_access_sync(user=user)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    """Remove a membership; the user loses staff access and groups no other membership needs.

    Losing the last membership also deletes the user's API tokens (DESIGN 12): a script keeps no
    access its owner no longer has. The token model is looked up by name, not imported: this app
    knows no API (DESIGN 2).
    """
    user = membership.user
    membership.delete()
    _staff_access_sync(user=user)
    if not Membership.objects.filter(user=user).exists() and apps.is_installed("rest_framework.authtoken"):
        apps.get_model("authtoken", "Token").objects.filter(user=user).delete()
