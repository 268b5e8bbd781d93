"""The ops channel's one call into the creation pipeline, shared by the API and the walk-in form."""

from __future__ import annotations

from bookings.idempotency import request_fingerprint
from bookings.services.creation import BookingCreateResult, Channel, booking_create
from opsportal.events import log_walkin
from restaurants.models import Membership


def walkin_create(
    *, request, membership: Membership, data: dict, body: dict, idempotency_key: str | None, via: str
) -> BookingCreateResult:
    """Create (or replay) a walk-in or phone booking as `request.user`, acting under `membership`.

    `data` is `BookingInputSerializer.validated_data`; `body` is the camelCase request it came from,
    which the idempotency fingerprint covers together with the method and the route.
    """
    result = booking_create(
        restaurant=membership.restaurant,
        data=data,
        channel=Channel.OPS,
        actor=request.user,
        may_override=membership.may_override,
        source=data.get("source"),
        idempotency_key=idempotency_key,
        fingerprint=request_fingerprint(method=request.method, route=request.path, body=body),
        request_meta={"ip": request.META.get("REMOTE_ADDR"), "userAgent": request.headers.get("User-Agent", "")},
    )
    log_walkin(
        "booking_replayed" if result.duplicate else "booking_created",
        via=via,
        user=request.user,
        restaurant_id=membership.restaurant_id,
        booking_id=result.booking.pk,
    )
    return result
