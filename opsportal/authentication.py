"""How scripts and integrations sign in to the ops API: DRF tokens (DESIGN 7).

`StaffTokenAuthentication` is DRF's `TokenAuthentication` reading the token's user and all their
memberships (with each restaurant) in one query, compiled once per process: every ops call needs
both, and the membership check (`opsportal.permissions`) then reads them from the user instead of
asking the database again (DESIGN 13). A token whose user has no membership falls back to DRF's
own lookup (and is refused later with 403).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import CharField, QuerySet
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from config.queries import PreparedQuery, columns, instance
from restaurants.models import Membership, Restaurant
from restaurants.selectors import LOADED_MEMBERSHIPS

User = get_user_model()


def _memberships_by_token(v: Mapping[str, Any]) -> QuerySet:
    return (
        Membership.objects.filter(user__auth_token__key=v["key"])
        .order_by("created_at", "pk")
        .values_list(*columns(Membership), *columns(User, "user__"), *columns(Restaurant, "restaurant__"))
    )


# Compiled once per process (config.queries): the ops API's hottest read.
MEMBERSHIPS_BY_TOKEN = PreparedQuery(_memberships_by_token, key=CharField())


class StaffTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        rows = MEMBERSHIPS_BY_TOKEN.rows(key=key)
        if not rows:
            return super().authenticate_credentials(key)
        user_at = len(columns(Membership))
        user = instance(User, rows[0], user_at)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        restaurant_at = user_at + len(columns(User))
        memberships = []
        for row in rows:
            membership = instance(Membership, row)
            membership.user, membership.restaurant = user, instance(Restaurant, row, restaurant_at)
            memberships.append(membership)
        setattr(user, LOADED_MEMBERSHIPS, memberships)
        return user, key
