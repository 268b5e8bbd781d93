"""The one request builder of the API, form and service tests: one default request, four shapes.

The default request is dinner for two at `time` on `day`, for Ada Lovelace, by email and phone.
Each test package binds a `RequestBuilder` to the day its tests depend on (a fixed day under a
frozen clock, or `tomorrow` in the restaurant's timezone) and builds from it:

- `body()`: the customer channel's camelCase JSON (`POST /api/bookings`);
- `ops_body()`: the ops channel's (`POST /api/ops/bookings`): the restaurant by id, no contacts;
- `form()`: the walk-in form's POST data (`/ops/bookings/new`): the ops body as a browser sends it;
- `booking_request()`: a body validated by `BookingInputSerializer`, as `booking_create` takes it,
  and `create()`, which runs the creation pipeline on it as the APIs do.

Overrides are the body's camelCase keys; a value of `...` removes the key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bookings.serializers import BookingInputSerializer
from bookings.services.creation import BookingCreateResult, BookingRequest, Channel, RequestOrigin, booking_create
from config.types import Actor
from restaurants.models import Restaurant

GUEST = {"name": "Ada Lovelace", "email": "Ada@Example.com", "phone": "07911 123456"}
# The guest's contacts, for an ops-channel request (which has none by default) from a guest who gave them.
GUEST_CONTACTS = {"email": GUEST["email"], "phone": GUEST["phone"]}


def tomorrow(restaurant: Restaurant) -> dt.date:
    """Tomorrow in the restaurant's timezone."""
    return restaurant.today() + dt.timedelta(days=1)


def _with(data: dict, overrides: dict) -> dict:
    merged = {**data, **overrides}
    return {key: value for key, value in merged.items() if value is not ...}


def _as_posted(value) -> str:
    return "on" if value is True else str(value)


@dataclass(frozen=True)
class RequestBuilder:
    """Requests for `day` (a date, or a function of the restaurant) at `time` ("HH:MM")."""

    day: dt.date | Callable[[Restaurant], dt.date]
    time: str = "19:00"

    def body(self, restaurant: Restaurant, **overrides) -> dict:
        """The customer channel's body."""
        day = self.day(restaurant) if callable(self.day) else self.day
        data = {
            "restaurantSlug": restaurant.slug,
            "date": day.isoformat(),
            "time": self.time,
            "party": 2,
            "bookingType": "dinner",
            **GUEST,
            "marketingOptIn": False,
        }
        return _with(data, overrides)

    def ops_body(self, restaurant: Restaurant, **overrides) -> dict:
        """The ops channel's body: the customer body by restaurant id, without contacts."""
        data = self.body(restaurant, restaurantSlug=..., email=..., phone=...)
        return _with({"restaurantId": str(restaurant.pk), **data}, overrides)

    def form(self, restaurant: Restaurant, **overrides) -> dict:
        """The walk-in form's POST data: every field as text, blank when empty, a fresh form key.

        An unticked checkbox (a value of False) is left out, as a browser leaves it out.
        """
        data = {
            **self.ops_body(restaurant),
            "source": "walk-in",
            "seating": "any",
            "email": "",
            "phone": "",
            "notes": "",
            "idempotencyKey": str(uuid.uuid4()),
        }
        return {key: _as_posted(value) for key, value in _with(data, overrides).items() if value is not False}

    def booking_request(
        self, restaurant: Restaurant, *, channel: Channel = Channel.CUSTOMER, **overrides
    ) -> BookingRequest:
        """The channel's body, validated as its API validates it (a DRF ValidationError if not valid)."""
        shape = self.body if channel == Channel.CUSTOMER else self.ops_body
        serializer = BookingInputSerializer(data=shape(restaurant, **overrides), context={"channel": channel.value})
        serializer.is_valid(raise_exception=True)
        return serializer.booking_request()

    def create(
        self,
        restaurant: Restaurant,
        *,
        channel: Channel = Channel.CUSTOMER,
        actor: Actor = None,
        may_override: bool = False,
        idempotency_key: str | None = None,
        fingerprint: str = "",
        origin: RequestOrigin | None = None,
        **overrides,
    ) -> BookingCreateResult:
        """Run the creation pipeline on the channel's body, as the APIs do."""
        return booking_create(
            restaurant=restaurant,
            booking_request=self.booking_request(restaurant, channel=channel, **overrides),
            channel=channel,
            actor=actor,
            may_override=may_override,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            origin=origin,
        )
