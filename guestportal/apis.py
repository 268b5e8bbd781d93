"""The guest API (DESIGN 10): availability and the booking behind a manage link, as JSON for apps.

Anonymous and throttled per client IP. Every rule is the booking services' (`bookings.availability`,
`bookings.services.guests`); an unknown, tampered, revoked or expired token is a plain 404.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.apis import ValidationModeHeaderMixin
from bookings.availability import availability
from bookings.models import Booking
from bookings.serializers import BookingChangeSerializer, CancelledSerializer, ErrorSerializer
from bookings.services.guests import guest_cancel, guest_modify
from bookings.tokens import booking_for_token
from config.errors import NotFound
from config.throttling import ScopedThrottle
from guestportal.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    GuestBookingSerializer,
)
from restaurants.models import Restaurant

ERROR = ErrorSerializer
# The route takes any text so that an odd slug is this API's JSON 404, not the site's HTML one.
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")
TOKEN = OpenApiParameter("token", str, OpenApiParameter.PATH, description="The token of the booking's manage link.")


class GuestApi(APIView):
    authentication_classes: list = []  # anonymous: no session, so no CSRF
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]


def restaurant_for_guests(slug: str) -> Restaurant:
    """The active restaurant of a slug; anything else (unknown, inactive, not a slug at all) is 404."""
    restaurant = Restaurant.objects.filter(slug=slug, is_active=True).first() if SLUG_RE.fullmatch(slug) else None
    if restaurant is None:
        raise NotFound()
    return restaurant


def booking_by_token(token: str) -> Booking:
    booking = booking_for_token(token)
    if booking is None:
        raise NotFound()
    return booking


class AvailabilityApi(ValidationModeHeaderMixin, GuestApi):
    throttle_scope = "availability"

    @extend_schema(
        operation_id="availability",
        summary="Free start times of a day (guest)",
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, 400: ERROR, 404: ERROR, 429: ERROR},
    )
    def get(self, request, slug: str):
        restaurant = restaurant_for_guests(slug)
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day, party = query.validated_data["date"], query.validated_data["party"]
        slots = availability(
            restaurant=restaurant,
            day=day,
            party=party,
            booking_type=query.validated_data.get("bookingType"),
            web=True,
        )
        body = {"restaurant": restaurant.slug, "date": day, "party": party, "timezone": restaurant.timezone}
        return Response(AvailabilitySerializer({**body, "slots": slots}).data)


class GuestBookingApi(ValidationModeHeaderMixin, GuestApi):
    throttle_scope = "guest_token"

    def runs_validator(self, request) -> bool:
        return request.method == "PATCH"

    @extend_schema(
        operation_id="guest_booking_retrieve",
        summary="The booking behind a manage link",
        parameters=[TOKEN],
        responses={200: GuestBookingSerializer, 404: ERROR, 429: ERROR},
    )
    def get(self, request, token: str):
        return Response(GuestBookingSerializer(booking_by_token(token)).data)

    @extend_schema(
        operation_id="guest_booking_change",
        summary="Change date, time, party or notes (back to the pending status)",
        parameters=[TOKEN],
        request=BookingChangeSerializer,
        responses={200: GuestBookingSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
    )
    def patch(self, request, token: str):
        booking = booking_by_token(token)
        change = BookingChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        booking = guest_modify(booking=booking, **change.validated_data)
        return Response(GuestBookingSerializer(booking).data)


class GuestBookingCancelApi(GuestApi):
    throttle_scope = "guest_token"

    @extend_schema(
        operation_id="guest_booking_cancel",
        summary="Cancel (by the guest)",
        parameters=[TOKEN],
        request=None,
        responses={200: CancelledSerializer, 404: ERROR, 409: ERROR, 429: ERROR},
    )
    def post(self, request, token: str):
        booking = guest_cancel(booking=booking_by_token(token))
        return Response(CancelledSerializer({"id": booking.pk, "status": booking.status}).data)
