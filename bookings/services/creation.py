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
2 for the customer, the insert, the history row), plus 2 for the lock on PostgreSQL; the web channel
adds its per-email count (and on PostgreSQL the email's lock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import CharField, UUIDField
from django.utils import timezone

from bookings.contacts import normalise_email, normalise_phone, placeholder_email
from bookings.idempotency import client_request_id_for, normalise_key
from bookings.locking import LockTimeout, lock_restaurant_day
from bookings.models import Booking, BookingStatusChange
from bookings.services.actors import staff_of
from bookings.services.customers import customer_for_guest, customer_upsert
from bookings.validation import (
    booking_snapshot,
    local_instant,
    online_limit,
    online_party_limit,
    validate_booking,
)
from config.errors import ApplicationError, Conflict, InvalidPayload
from config.queries import PreparedQuery, columns, instance
from config.types import Actor
from restaurants.models import Restaurant

INSERT_ATTEMPTS = 3


class Channel(StrEnum):
    CUSTOMER = "customer"
    OPS = "ops"


@dataclass(frozen=True)
class BookingRequest:
    """What a guest or a host asks for, already checked field by field.

    Built by `BookingInputSerializer.booking_request()` (the APIs and the walk-in form), by
    `seed_demo` and by the tests. Contacts are as given ("" for none): the pipeline normalises them.
    """

    booking_date: dt.date
    start_time: dt.time
    party_size: int
    booking_type: str
    name: str
    email: str = ""
    phone: str = ""
    seating_preference: str = Booking.Seating.ANY
    notes: str = ""
    marketing_opt_in: bool = False
    # An owner's or manager's override of the overridable rules (unified mode), with its reason.
    override_reason: str | None = None
    # Ops channel only: "walk-in" (the default) or "phone". The customer channel is always "web".
    source: str | None = None


@dataclass(frozen=True)
class RequestOrigin:
    """Where a request came from, recorded in `details.request` (DESIGN 3)."""

    ip: str | None = None
    user_agent: str = ""

    def as_details(self) -> dict:
        return {"ip": self.ip, "userAgent": self.user_agent[:255]}


@dataclass(frozen=True)
class BookingCreateResult:
    booking: Booking
    duplicate: bool
    client_request_id: uuid.UUID
    idempotency_key: str | None
    new_customer: bool = False  # the guest identity was made by this request (so it has no other booking)


class IdempotencyMismatch(ApplicationError):
    def __init__(self) -> None:
        super().__init__("Idempotency key reused with a different payload", status=422, code="IDEMPOTENCY_MISMATCH")


class IdempotencyInFlight(Conflict):
    def __init__(self) -> None:
        super().__init__("Request in progress", code="IDEMPOTENCY_IN_FLIGHT")


def booking_create(
    *,
    restaurant: Restaurant,
    booking_request: BookingRequest,
    channel: Channel,
    actor: Actor = None,
    may_override: bool = False,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    origin: RequestOrigin | None = None,
    and_then: Callable[[Booking], Booking] | None = None,
) -> BookingCreateResult:
    """Create a booking, or answer a replay of an earlier request with the same key.

    `may_override`: the actor is an owner or manager of the restaurant. `and_then`: more steps on
    the new booking inside the creating transaction (seat-now assigns a table and checks it in),
    returning the booking as they leave it; a replay never runs them, and if they raise, nothing of
    the creation is kept.
    """
    key = normalise_key(idempotency_key)
    client_request_id = client_request_id_for(key)
    # A replay is answered before anything else, without taking the slot lock (DESIGN 5.4). A twin
    # still in flight is seen again under the lock (`day_snapshot`) or by the unique constraints.
    if (twin := _find_by_key(restaurant, key)) is not None:
        return _replay(twin, fingerprint)
    attempts = 0
    while True:
        attempts += 1
        try:
            return _create(
                restaurant=restaurant,
                booking_request=booking_request,
                channel=channel,
                actor=actor,
                may_override=may_override,
                key=key,
                fingerprint=fingerprint,
                client_request_id=client_request_id,
                origin=origin or RequestOrigin(),
                and_then=and_then,
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


class EmailLimit(ApplicationError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"This email address has made {limit} online bookings here in the last 24 hours; "
            "please contact the restaurant for more.",
            status=429,
            code="EMAIL_LIMIT",
        )


_BY_KEY = PreparedQuery(
    lambda v: Booking.objects.filter(restaurant_id=v["restaurant"], idempotency_key=v["key"]).values_list(
        *columns(Booking)
    ),
    restaurant=UUIDField(),
    key=CharField(),
)


def _find_by_key(restaurant: Restaurant, key: str | None) -> Booking | None:
    """The booking that holds this key at this restaurant (the key is unique there), or None."""
    if key is None:
        return None
    rows = _BY_KEY.rows(restaurant=restaurant.pk, key=key)
    if not rows:
        return None
    booking = instance(Booking, rows[0])
    booking.restaurant = restaurant
    return booking


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
    booking_request: BookingRequest,
    channel: Channel,
    actor: Actor,
    may_override: bool,
    key: str | None,
    fingerprint: str,
    client_request_id: uuid.UUID,
    origin: RequestOrigin,
    and_then: Callable[[Booking], Booking] | None = None,
) -> BookingCreateResult:
    asked = booking_request
    web = channel == Channel.CUSTOMER
    email = normalise_email(asked.email)
    start_at = local_instant(restaurant.tz, asked.booking_date, asked.start_time)
    # The per-email limit is held under a lock of its own, taken after the day's (DESIGN 10).
    email_lock = (f"booking-email:{restaurant.pk}:{email}",) if web else ()
    lock_restaurant_day(restaurant_id=restaurant.pk, day=asked.booking_date, also=email_lock)
    # One read under the lock: a twin that committed while this request waited, the guest email's
    # recent bookings, the day's schedule and the floor around the slot.
    snapshot = booking_snapshot(
        restaurant, asked.booking_date, start_at, idempotency_key=key, guest_email=email if web else ""
    )
    if snapshot.twin_id is not None:
        return _replay(Booking.objects.select_related("restaurant").get(pk=snapshot.twin_id), fingerprint)
    if web and snapshot.email_bookings >= settings.WEB_BOOKINGS_PER_EMAIL_PER_DAY:
        raise EmailLimit(settings.WEB_BOOKINGS_PER_EMAIL_PER_DAY)

    # Guests on the web are bound by the restaurant's online limits (a party too large first: the
    # guest is told to call, not that no table is free); an owner's override (seed_demo fills a past
    # day this way) is not.
    overridden = may_override and asked.override_reason is not None
    if web and not overridden and (too_large := online_party_limit(restaurant, asked.party_size)):
        raise too_large
    slot = validate_booking(
        restaurant=restaurant,
        booking_date=asked.booking_date,
        start_time=asked.start_time,
        party_size=asked.party_size,
        booking_type=asked.booking_type,
        ops_channel=channel == Channel.OPS,
        override_reason=asked.override_reason,
        may_override=may_override,
        snapshot=snapshot,
    )
    if web and not overridden and (limit := online_limit(restaurant, slot.start_at, asked.party_size)):
        raise limit

    # Contacts (DESIGN 5.3): the restaurant's phone never becomes the guest's.
    try:
        phone = normalise_phone(asked.phone, region=restaurant.country)
    except ValueError as exc:
        raise InvalidPayload({"phone": [str(exc)]}) from exc
    if web:
        customer, new_customer = customer_for_guest(
            restaurant=restaurant, full_name=asked.name, email=email, phone=phone, client_request_id=client_request_id
        )
    else:
        customer, new_customer = customer_upsert(
            restaurant=restaurant,
            full_name=asked.name,
            email=email,
            phone=phone,
            marketing_opt_in=asked.marketing_opt_in,
            client_request_id=client_request_id,
        )
    staff = staff_of(actor)
    details = {
        "channel": str(channel),
        "staffId": staff.pk if staff else None,
        "providedContact": {"email": bool(email), "phone": bool(phone)},
        "request": origin.as_details(),
    }
    if slot.override:
        details["override"] = slot.override

    booking = Booking(
        restaurant=restaurant,
        customer=customer,
        booking_date=asked.booking_date,
        start_time=asked.start_time,
        end_time=slot.end_time,
        start_at=slot.start_at,
        end_at=slot.end_at,
        party_size=asked.party_size,
        booking_type=asked.booking_type,
        seating_preference=asked.seating_preference or Booking.Seating.ANY,
        status=slot.status,
        source=Booking.Source.WEB if web else (asked.source or Booking.Source.WALK_IN),
        customer_name=asked.name,
        customer_email=email or restaurant.contact_email or placeholder_email(client_request_id),
        customer_phone=phone,
        notes=asked.notes,
        marketing_opt_in=asked.marketing_opt_in,
        idempotency_key=key,
        request_fingerprint=fingerprint,
        client_request_id=client_request_id,
        details=details,
        created_by=staff,
        pending_since=timezone.now(),
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
    if and_then is not None:
        booking = and_then(booking)
    return BookingCreateResult(
        booking=booking,
        duplicate=False,
        client_request_id=client_request_id,
        idempotency_key=key,
        new_customer=new_customer,
    )
