"""The public customer API (DESIGN 5.1): `POST /api/bookings`, anonymous and throttled per IP."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from bookings.idempotency import request_fingerprint
from bookings.serializers import BookingInputSerializer, ErrorSerializer, PublicBookingCreateResponseSerializer
from bookings.services.creation import Channel, booking_create
from bookings.validation import validation_headers
from config.errors import NotFound

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat a request safely: the same key and body answer the original booking (200).",
)


class BookingCreateApi(APIView):
    authentication_classes: list = []  # anonymous: no session, so no CSRF
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
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
            data=data,
            channel=Channel.CUSTOMER,
            idempotency_key=request.headers.get("Idempotency-Key"),
            fingerprint=request_fingerprint(method=request.method, route=request.path, body=request.data),
            request_meta={
                "ip": request.META.get("REMOTE_ADDR"),
                "userAgent": request.headers.get("User-Agent", "")[:255],
            },
        )
        body = PublicBookingCreateResponseSerializer(
            {
                "booking": result.booking,
                "idempotencyKey": result.idempotency_key,
                "clientRequestId": result.client_request_id,
                "duplicate": result.duplicate,
            }
        ).data
        return Response(
            body,
            status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED,
            headers=validation_headers(),
        )
