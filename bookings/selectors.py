"""Reads about bookings."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from bookings.models import Booking, Customer, TableAssignment


def booking_active_for_identity(customer: Customer) -> QuerySet[Booking]:
    """The guest identity's active bookings (pending to checked in), soonest first."""
    return (
        Booking.objects.filter(customer=customer, status__in=Booking.ACTIVE_STATUSES)
        .select_related("restaurant")
        .order_by("start_at")
    )


def booking_status_totals(*, bookings: QuerySet[Booking]) -> dict[str, int]:
    """Bookings per status, every status present (zeros included): the board and the API summary."""
    totals = dict.fromkeys(Booking.Status.values, 0)
    totals.update(bookings.order_by().values_list("status").annotate(n=Count("pk")))
    return totals


def table_assignments_overlapping(*, booking: Booking) -> QuerySet[TableAssignment]:
    """Live table assignments of *other* active bookings whose times overlap this booking's."""
    return TableAssignment.objects.filter(
        released_at__isnull=True,
        booking__restaurant_id=booking.restaurant_id,
        booking__status__in=Booking.ACTIVE_STATUSES,
        # No booking lasts MAX_SPAN: the bound keeps the index range to one window.
        booking__start_at__gt=booking.start_at - Booking.MAX_SPAN,
        booking__start_at__lt=booking.end_at,
        booking__end_at__gt=booking.start_at,
    ).exclude(booking=booking)
