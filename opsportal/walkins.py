"""The ops channel's one call into the creation pipeline, shared by the API and the walk-in form."""

from __future__ import annotations

from bookings.services.creation import BookingCreateResult, BookingRequest, Channel, RequestOrigin, booking_create
from config.types import Actor
from opsportal.events import log_walkin
from restaurants.models import Membership


def walkin_create(
    *,
    user: Actor,
    membership: Membership,
    booking_request: BookingRequest,
    idempotency_key: str | None,
    fingerprint: str,
    origin: RequestOrigin,
    via: str,
) -> BookingCreateResult:
    """Create (or replay) a walk-in or phone booking as `user`, acting under `membership`.

    `fingerprint` covers the method, the route and the camelCase body the request came with.
    """
    result = booking_create(
        restaurant=membership.restaurant,
        booking_request=booking_request,
        channel=Channel.OPS,
        actor=user,
        may_override=membership.may_override,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        origin=origin,
    )
    log_walkin(
        "booking_replayed" if result.duplicate else "booking_created",
        via=via,
        user=user,
        restaurant_id=membership.restaurant_id,
        booking_id=result.booking.pk,
    )
    return result
