"""Reads of the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification
from restaurants.selectors import restaurant_list_for_user


def notification_list_for_user(*, user) -> QuerySet[Notification]:
    """Superusers see every row; other staff only their restaurants' bookings' rows."""
    queryset = Notification.objects.select_related("booking__restaurant")
    if user.is_superuser:
        return queryset
    return queryset.filter(booking__restaurant__in=restaurant_list_for_user(user=user))
