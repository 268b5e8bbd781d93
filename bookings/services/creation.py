"""The one booking creation pipeline (DESIGN 5), shared by every channel.

Order inside one transaction: take the restaurant-and-date lock (which also bounds every lock wait
with `lock_timeout`) → answer a replay or a mismatch of the idempotency key → validate in the
configured mode → resolve the contacts (5.3) → upsert the customer → insert the booking → write the
creation history row. The post_save receiver of the notifications app records the "request
received" email from the insert.

The unique constraints on (restaurant, idempotency_key) and (restaurant, client_request_id) are the
final guard: a concurrent twin with the same key but another date (so another lock) makes the insert
fail or wait. The whole creation transaction is rolled back (a savepoint when a caller's transaction
is already open) and the twin's committed booking answers as replay or mismatch; a twin still in
flight when `lock_timeout` expires answers 409 IDEMPOTENCY_IN_FLIGHT. A booking reference collision
(32^10 references) retries the transaction. Rolling back the whole unit instead of a savepoint around
the insert keeps the pipeline small: 7 queries with a key on SQLite (key lookup, 2 for validation,
2 for the customer, the insert, the history row), plus 2 for the lock on PostgreSQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, OperationalError, transaction

from bookings.contacts import placeholder_email
from bookings.idempotency import client_request_id_for, normalise_key
from bookings.locking import LockTimeout, lock_restaurant_day
from bookings.models import Booking, BookingStatusChange
from bookings.services.customers import customer_upsert, normalise_email, normalise_phone
from bookings.validation import validate_booking
from config.errors import ApplicationError, Conflict, InvalidPayload
from config.types import Actor
from restaurants.models import Restaurant

INSERT_ATTEMPTS = 3


class Channel(StrEnum):
    CUSTOMER = "customer"
    OPS = "ops"


@dataclass(frozen=True)
class BookingCreateResult:
    booking: Booking
    duplicate: bool
    client_request_id: uuid.UUID
    idempotency_key: str | None


class IdempotencyMismatch(ApplicationError):
    def __init__(self) -> None:
        super().__init__("Idempotency key reused with a different payload", status=422, code="IDEMPOTENCY_MISMATCH")


class IdempotencyInFlight(Conflict):
    def __init__(self) -> None:
        super().__init__("Request in progress", code="IDEMPOTENCY_IN_FLIGHT")


def booking_create(
    *,
    restaurant: Restaurant,
    data: dict,
    channel: Channel,
    actor: Actor = None,
    may_override: bool = False,
    source: str | None = None,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    request_meta: dict | None = None,
) -> BookingCreateResult:
    """Create a booking from `BookingInputSerializer.validated_data`, or answer a replay.

    `may_override`: the actor is an owner or manager of the restaurant. `source`: ops channel only,
    "walk-in" (default) or "phone"; the customer channel is always "web".
    """
    key = normalise_key(idempotency_key)
    client_request_id = client_request_id_for(key)
    attempts = 0
    while True:
        attempts += 1
        try:
            return _create(
                restaurant=restaurant,
                data=data,
                channel=channel,
                actor=actor,
                may_override=may_override,
                source=source,
                key=key,
                fingerprint=fingerprint,
                client_request_id=client_request_id,
                request_meta=request_meta or {},
            )
        except IntegrityError:
            twin = _find_twin(restaurant, key, client_request_id)
            if twin is not None:
                return _replay(twin, fingerprint)
            if attempts >= INSERT_ATTEMPTS:
                raise
        except LockTimeout:
            if key:  # the twin holding the slot lock may be this very request's first try
                raise IdempotencyInFlight() from None
            raise
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            raise (IdempotencyInFlight() if key else LockTimeout()) from exc


def _find_by_key(restaurant: Restaurant, key: str | None) -> Booking | None:
    if key is None:
        return None
    return Booking.objects.select_related("restaurant").filter(restaurant=restaurant, idempotency_key=key).first()


def _find_twin(restaurant: Restaurant, key: str | None, client_request_id: uuid.UUID) -> Booking | None:
    """The committed booking an insert collided with: same key, or same client request id (a UUID key
    that repeats the clientRequestId of a booking made without a key)."""
    if key is None:
        return None
    return _find_by_key(restaurant, key) or (
        Booking.objects.select_related("restaurant")
        .filter(restaurant=restaurant, client_request_id=client_request_id)
        .first()
    )


def _replay(twin: Booking, fingerprint: str) -> BookingCreateResult:
    if twin.request_fingerprint != fingerprint:
        raise IdempotencyMismatch()
    return BookingCreateResult(
        booking=twin, duplicate=True, client_request_id=twin.client_request_id, idempotency_key=twin.idempotency_key
    )


@transaction.atomic
def _create(
    *,
    restaurant: Restaurant,
    data: dict,
    channel: Channel,
    actor: Actor,
    may_override: bool,
    source: str | None,
    key: str | None,
    fingerprint: str,
    client_request_id: uuid.UUID,
    request_meta: dict,
) -> BookingCreateResult:
    lock_restaurant_day(restaurant_id=restaurant.pk, day=data["booking_date"])
    twin = _find_by_key(restaurant, key)
    if twin is not None:
        return _replay(twin, fingerprint)

    slot = validate_booking(
        restaurant=restaurant,
        booking_date=data["booking_date"],
        start_time=data["start_time"],
        party_size=data["party_size"],
        booking_type=data["booking_type"],
        ops_channel=channel == Channel.OPS,
        override=data.get("override"),
        may_override=may_override,
    )

    # Contacts (DESIGN 5.3): the restaurant's phone never becomes the guest's.
    email = normalise_email(data.get("email"))
    try:
        phone = normalise_phone(data.get("phone"), region=restaurant.country)
    except ValueError as exc:
        raise InvalidPayload({"phone": [str(exc)]}) from exc
    customer = customer_upsert(
        restaurant=restaurant,
        full_name=data["name"],
        email=email,
        phone=phone,
        marketing_opt_in=data.get("marketing_opt_in", False),
        client_request_id=client_request_id,
    )
    staff = actor if getattr(actor, "is_authenticated", False) else None
    details = {
        "channel": str(channel),
        "staffId": staff.pk if staff else None,
        "providedContact": {"email": bool(email), "phone": bool(phone)},
        "request": request_meta,
    }
    if slot.override:
        details["override"] = slot.override

    booking = Booking(
        restaurant=restaurant,
        customer=customer,
        booking_date=data["booking_date"],
        start_time=data["start_time"],
        end_time=slot.end_time,
        start_at=slot.start_at,
        end_at=slot.end_at,
        party_size=data["party_size"],
        booking_type=data["booking_type"],
        seating_preference=data.get("seating_preference") or Booking.Seating.ANY,
        status=slot.status,
        source=Booking.Source.WEB if channel == Channel.CUSTOMER else (source or Booking.Source.WALK_IN),
        customer_name=data["name"],
        customer_email=email or restaurant.contact_email or placeholder_email(client_request_id),
        customer_phone=phone,
        notes=data.get("notes") or "",
        marketing_opt_in=data.get("marketing_opt_in", False),
        idempotency_key=key,
        request_fingerprint=fingerprint,
        client_request_id=client_request_id,
        details=details,
        created_by=staff,
    )
    booking.save(force_insert=True)
    BookingStatusChange.objects.create(
        booking=booking,
        from_status="",
        to_status=booking.status,
        changed_by=staff,
        reason=f"override: {slot.override['reason']}" if slot.override else "",
        metadata={"overriddenIssues": slot.override["issues"]} if slot.override else {},
    )
    return BookingCreateResult(
        booking=booking, duplicate=False, client_request_id=client_request_id, idempotency_key=key
    )
