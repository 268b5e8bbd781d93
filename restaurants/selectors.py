"""Reads about restaurants and who may work for them."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from config.types import RequestUser
from restaurants.models import Membership, Restaurant


def restaurant_list_for_user(*, user: RequestUser) -> QuerySet[Restaurant]:
    """The restaurants a user may work for: their memberships, nothing else (superusers included)."""
    if not user.is_authenticated:
        return Restaurant.objects.none()
    return Restaurant.objects.filter(memberships__user=user).distinct()


def membership_list_for_user(*, user: RequestUser) -> QuerySet[Membership]:
    """The user's memberships, first granted first: the first is their default restaurant everywhere."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("restaurant").order_by("created_at", "pk")


# Set on a user whose memberships (with their restaurants) were read together with the user, as the
# ops API's token authentication does: `membership_get` then answers without a query.
LOADED_MEMBERSHIPS = "loaded_memberships"


def membership_get(*, user: RequestUser, restaurant_id: uuid.UUID | None = None) -> Membership | None:
    """The user's membership of one restaurant, or without `restaurant_id` their first (their
    default restaurant everywhere), with the restaurant loaded; None when there is none."""
    if not user.is_authenticated:
        return None
    loaded: list[Membership] | None = getattr(user, LOADED_MEMBERSHIPS, None)
    if loaded is not None:
        return next((m for m in loaded if restaurant_id is None or m.restaurant_id == restaurant_id), None)
    if restaurant_id is None:
        return membership_list_for_user(user=user).first()
    return Membership.objects.select_related("restaurant").filter(user=user, restaurant_id=restaurant_id).first()
