"""Auto-allocation (DESIGN 11): a new request gets the best free table at once, which confirms it.

Under the restaurant-and-date lock, a booking still waiting for a table (`pending_allocation`) is
given the smallest free single table that seats the party, else the smallest free table group
(`bookings.capacity`), and is confirmed through the lifecycle's table assignment, which sends the
ticket. Nothing fits: it stays waiting for a host.
"""

from __future__ import annotations

from django.db import transaction

from bookings.capacity import Seat
from bookings.models import Booking
from bookings.services.lifecycle import booking_assign_tables, lock_booking_and_day
from bookings.snapshot import floor_for


@transaction.atomic
def booking_auto_allocate(*, booking: Booking) -> Seat | None:
    """The seat given, or None (nothing fits, or the booking is not waiting for a table any more)."""
    booking = lock_booking_and_day(booking.pk)
    if booking.status != Booking.Status.PENDING_ALLOCATION:
        return None
    floor = floor_for(booking.restaurant, booking.start_at, booking.end_at)
    free = floor.free_table_ids(booking.start_at, booking.end_at, exclude=booking.pk)
    seat = floor.best_seat(free, booking.party_size)
    if seat is not None:
        booking_assign_tables(booking=booking, table_ids=sorted(seat.table_ids), actor=None)
    return seat
