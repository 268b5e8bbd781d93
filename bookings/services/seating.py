"""Seat a walk-in now (DESIGN 5.2 seat-now, 7 "Host stand"): create, assign and check in at once.

A guest at the door is a walk-in seated straight away. It goes through the one creation pipeline
(`booking_create`, ops channel, source `walk-in`), so it gets what every booking gets: the
idempotency key, validation, the guest identity, the creation history row and the recorded
`request_received` email. Inside the same transaction it is then given its table (the tables asked
for, else the best fit of `bookings.capacity`) and checked in, both through the lifecycle services:
the history shows the three steps with the host as actor, and the two emails recorded on the way
(`request_received`, `confirmation`) are skipped as superseded when they come to be sent, because the
guest is already seated (`notifications.sending`).

Slot (`bookings.seating.now_slot`): the grid slot containing now, the booking type of the service
period at now (else by the hour), the duration that type and party size get. A name defaults to
"Walk-in".

Answers: no free table (or group) seats the party for the whole duration → 409 `NO_TABLE_FREE`
(in unified mode the validator's capacity issue becomes this); a table of another restaurant or not
active → 400 (`booking_assign_tables`); the tables asked for are taken → 409 `TABLE_UNAVAILABLE`, too
small → 409 `TABLE_TOO_SMALL`; every other validation issue (closed, outside the hours) as DESIGN 5.5.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from bookings.models import Booking
from bookings.seating import best_seat_for, now_slot
from bookings.services.creation import BookingCreateResult, BookingRequest, Channel, RequestOrigin, booking_create
from bookings.services.lifecycle import booking_assign_tables, booking_check_in
from bookings.validation import BookingValidationFailed
from config.errors import Conflict
from config.types import Actor
from restaurants.models import Restaurant

WALK_IN_NAME = "Walk-in"


class NoTableFree(Conflict):
    def __init__(self, party: int) -> None:
        super().__init__(
            f"No table for {party} is free for the whole stay from now.",
            code="NO_TABLE_FREE",
            extra={"party": party},
        )


@dataclass(frozen=True)
class SeatNowRequest:
    """A walk-in to seat now, as the board or `POST /api/ops/bookings/seat-now` asks (already
    checked field by field). Contacts as given ("" for none); no tables means the best fit."""

    party_size: int
    table_ids: Sequence[int] = field(default_factory=tuple)
    name: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""


def booking_seat_now(
    *,
    restaurant: Restaurant,
    seat_request: SeatNowRequest,
    actor: Actor,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    origin: RequestOrigin | None = None,
    now: dt.datetime | None = None,
) -> BookingCreateResult:
    """Create a walk-in for now, give it its table and check it in, in one transaction.

    A replay of the same `idempotency_key` and body answers the booking it made (`duplicate`), as
    any create does; nothing is assigned or checked in twice.
    """
    slot = now_slot(restaurant=restaurant, now=now)
    booking_request = BookingRequest(
        booking_date=slot.day,
        start_time=slot.start_time,
        party_size=seat_request.party_size,
        booking_type=slot.booking_type,
        name=seat_request.name.strip() or WALK_IN_NAME,
        email=seat_request.email,
        phone=seat_request.phone,
        notes=seat_request.notes,
        source=Booking.Source.WALK_IN,
    )

    def seat(booking: Booking) -> Booking:
        table_ids = list(seat_request.table_ids)
        if not table_ids:
            best = best_seat_for(booking=booking)
            if best is None:
                raise NoTableFree(booking.party_size)
            table_ids = sorted(best.table_ids)
        booking = booking_assign_tables(booking=booking, table_ids=table_ids, actor=actor)
        return booking_check_in(booking=booking, actor=actor)

    try:
        return booking_create(
            restaurant=restaurant,
            booking_request=booking_request,
            channel=Channel.OPS,
            actor=actor,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            origin=origin,
            and_then=seat,
        )
    except BookingValidationFailed as exc:
        if exc.issues[0].code == "CAPACITY_EXCEEDED":  # capacity comes last: it is the only issue
            raise NoTableFree(seat_request.party_size) from exc
        raise
