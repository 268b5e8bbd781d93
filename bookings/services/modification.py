"""Changing a booking's date, time, party size or notes (DESIGN 4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from bookings.models import Booking
from bookings.services.actors import staff_of
from bookings.services.lifecycle import lock_booking_and_day, release_tables, transition
from bookings.validation import online_limit, validate_booking
from config.errors import Conflict
from config.types import Actor

S = Booking.Status


class NotModifiable(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"A booking that is {status} cannot be modified", code="NOT_MODIFIABLE", extra={"status": status}
        )


@transaction.atomic
def booking_modify(
    *,
    booking: Booking,
    actor: Actor,
    booking_date: dt.date | None = None,
    start_time: dt.time | None = None,
    party_size: int | None = None,
    notes: str | None = None,
    by_guest: bool = False,
    guard: Callable[[Booking], None] | None = None,
) -> Booking:
    """Change a booking; `None` leaves a field as it is.

    Notes alone just save (any status). A new date, time or party size re-validates in the current
    mode without counting the booking itself against capacity, under the day locks of the old and
    the new date (taken in date order) and the row lock: a pending booking keeps its status, a
    confirmed one gives up its tables and returns to the mode's pending status (history reason
    `modified`); any other status is a 409.

    `by_guest`: the guest changes their own booking (the manage link): the web channel's rules
    apply (online limits, no ops "now" slot) and the notifications say so (DESIGN 6, 10). `guard`
    runs on the locked booking before anything changes and raises to refuse.
    """
    booking = lock_booking_and_day(booking.pk, also_day=booking_date)
    if guard:
        guard(booking)
    booking.changed_by_guest = by_guest
    new_date = booking.booking_date if booking_date is None else booking_date

    changed = []
    if notes is not None and notes != booking.notes:
        booking.notes = notes
        changed.append("notes")
    slot: dict[str, Any] = {
        "booking_date": new_date,
        "start_time": booking.start_time if start_time is None else start_time,
        "party_size": booking.party_size if party_size is None else party_size,
    }
    if all(getattr(booking, f) == v for f, v in slot.items()):
        if changed:
            booking.save(update_fields=[*changed, "updated_at"])
        return booking

    if booking.status not in Booking.PENDING_STATUSES and booking.status != S.CONFIRMED:
        raise NotModifiable(booking.status)
    validated = validate_booking(
        restaurant=booking.restaurant,
        booking_type=booking.booking_type,
        ops_channel=not by_guest and staff_of(actor) is not None,
        exclude_booking_id=booking.pk,
        **slot,
    )
    if by_guest and (limit := online_limit(booking.restaurant, validated.start_at, slot["party_size"])):
        raise limit
    for name, value in {
        **slot,
        "end_time": validated.end_time,
        "start_at": validated.start_at,
        "end_at": validated.end_at,
    }.items():
        setattr(booking, name, value)
    changed += ["booking_date", "start_time", "party_size", "end_time", "start_at", "end_at"]

    if booking.status == S.CONFIRMED:
        release_tables(booking)
        transition(
            booking=booking,
            to_status=validated.status,
            actor=actor,
            reason="modified",
            metadata={"byGuest": True} if by_guest else {},
            modification=True,
            update_fields=changed,
        )
    else:
        booking.save(update_fields=[*changed, "updated_at"])
    return booking
