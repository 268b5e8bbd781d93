"""Reads about bookings."""

from __future__ import annotations

from django.db.models import QuerySet

from bookings.models import Booking, Customer


def booking_active_for_identity(customer: Customer) -> QuerySet[Booking]:
    """The guest identity's active bookings (pending to checked in), soonest first."""
    return (
        Booking.objects.filter(customer=customer, status__in=Booking.ACTIVE_STATUSES)
        .select_related("restaurant")
        .order_by("start_at")
    )
