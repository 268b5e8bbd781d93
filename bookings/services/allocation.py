"""Auto-allocation (DESIGN 11): a new request gets the best free table at once, which confirms it.

Under the restaurant-and-date lock, a booking still waiting for a table (`pending_allocation`) is
given the smallest free single table that seats the party, else the smallest free table group
(`bookings.capacity`), and is confirmed through the lifecycle's table assignment, which sends the
ticket. Nothing fits: it stays waiting for a host.

First come, first served: the requests still waiting that entered the queue after this one
(`pending_since`, then id) do not hold a table against it, while the earlier ones do. So when more
requests wait than there are tables (an owner's capacity override, or allocation tasks that run
late and all at once), the earliest are seated whichever task runs first, instead of each request
yielding to all the others and nobody being seated.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q

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
    free = floor.free_table_ids(booking.start_at, booking.end_at, exclude=booking.pk, ignore=_queued_after(booking))
    seat = floor.best_seat(free, booking.party_size)
    if seat is not None:
        booking_assign_tables(booking=booking, table_ids=sorted(seat.table_ids), actor=None)
    return seat


def _queued_after(booking: Booking) -> set[uuid.UUID]:
    """Requests overlapping this one that are still waiting and entered the queue after it."""
    if booking.pending_since is None:  # a row from before the clock: nobody is known to be later
        return set()
    later = Q(pending_since__gt=booking.pending_since) | Q(pending_since=booking.pending_since, pk__gt=booking.pk)
    waiting = Booking.objects.filter(
        later,
        restaurant_id=booking.restaurant_id,
        status__in=sorted(Booking.PENDING_STATUSES),
        start_at__gt=booking.start_at - Booking.MAX_SPAN,
        start_at__lt=booking.end_at,
        end_at__gt=booking.start_at,
    )
    return set(waiting.values_list("pk", flat=True))
