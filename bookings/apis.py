"""The public customer API (DESIGN 5.1): `POST /api/bookings`, anonymous and throttled per IP."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.idempotency import request_fingerprint
from bookings.serializers import (
    BookingInputSerializer,
    ErrorSerializer,
    PublicBookingCreateResponseSerializer,
    create_answer,
)
from bookings.services.creation import Channel, RequestOrigin, booking_create
from bookings.validation import UNIFIED, current_mode
from config.errors import NotFound
from config.http import client_ip, user_agent
from config.throttling import ScopedThrottle

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat a request safely: the same key and body answer the original booking (200).",
)

VALIDATION_HEADER = "X-Booking-Validation"


def request_origin(request) -> RequestOrigin:
    """The plain facts about the caller that the pipeline records (`details.request`)."""
    return RequestOrigin(ip=client_ip(request), user_agent=user_agent(request))


class ValidationModeHeaderMixin:
    """Answers of the endpoints that run the validator carry `X-Booking-Validation: unified` in
    unified mode (DESIGN 5.5), errors included. `validation_actions` limits it to some actions of
    a viewset; None means every answer of the view (or override `runs_validator`)."""

    validation_actions: frozenset[str] | None = None

    def runs_validator(self, request) -> bool:
        return self.validation_actions is None or getattr(self, "action", None) in self.validation_actions

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.runs_validator(request) and current_mode() == UNIFIED:
            response[VALIDATION_HEADER] = UNIFIED
        return response


class BookingCreateApi(ValidationModeHeaderMixin, APIView):
    authentication_classes: list = []  # anonymous: no session, so no CSRF
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "public_booking"

    @extend_schema(
        operation_id="bookings_create",
        summary="Request a table (guest)",
        request=BookingInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: PublicBookingCreateResponseSerializer,
            200: OpenApiResponse(PublicBookingCreateResponseSerializer, description="Replay of an earlier request."),
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            422: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request):
        serializer = BookingInputSerializer(data=request.data, context={"channel": Channel.CUSTOMER.value})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["restaurant"] is None:
            raise NotFound()
        result = booking_create(
            restaurant=data["restaurant"],
            booking_request=serializer.booking_request(),
            channel=Channel.CUSTOMER,
            idempotency_key=request.headers.get("Idempotency-Key"),
            fingerprint=request_fingerprint(method=request.method, route=request.path, body=request.data),
            origin=request_origin(request),
        )
        return Response(
            create_answer(result), status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        )
