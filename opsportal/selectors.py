"""Reads for the ops surfaces, always scoped to the restaurants the staff user is a member of."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from bookings.models import Booking, BookingStatusChange, TableAssignment
from config.errors import NotFound
from restaurants.models import Restaurant

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def booking_list_for_staff(*, user: User) -> QuerySet[Booking]:
    """Every booking of the user's restaurants, with what the booking representation reads."""
    return Booking.objects.filter(restaurant__memberships__user=user).select_related("restaurant")


def booking_get_for_staff(*, user: User, booking_id: uuid.UUID | str) -> Booking:
    """One booking of the user's restaurants; anything else (another restaurant's, unknown, malformed) is 404."""
    try:
        booking_id = uuid.UUID(str(booking_id))
    except ValueError as exc:
        raise NotFound() from exc
    booking = booking_list_for_staff(user=user).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    return booking


def booking_history(*, booking: Booking) -> QuerySet[BookingStatusChange]:
    """Status changes, newest first, with the acting user loaded."""
    return booking.status_changes.select_related("changed_by").order_by("-changed_at", "-id")


def booking_day_sheet(*, restaurant: Restaurant, day: dt.date) -> QuerySet[Booking]:
    """One service day in start-time order, with the tables currently assigned."""
    return (
        Booking.objects.filter(restaurant=restaurant, booking_date=day)
        .select_related("restaurant")
        .prefetch_related(
            Prefetch(
                "table_assignments",
                queryset=TableAssignment.objects.filter(released_at__isnull=True).select_related("table"),
                to_attr="active_assignments",
            )
        )
        .order_by("start_time", "start_at", "reference")
    )
