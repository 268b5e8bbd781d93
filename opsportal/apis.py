"""The ops API under `/api/ops/bookings` (DESIGN 5.2, 7): thin views over the booking services.

Every endpoint answers only for restaurants the user is a member of: a booking of another
restaurant is 404, a restaurantId the user does not work for is 403. Errors raised by services are
ApplicationErrors rendered by `config.api.exception_handler`.
"""

from __future__ import annotations

import csv
import logging

from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from bookings.apis import IDEMPOTENCY_KEY_PARAMETER, ValidationModeHeaderMixin, request_origin
from bookings.idempotency import request_fingerprint
from bookings.models import Booking
from bookings.selectors import booking_active_for_identity, booking_status_totals
from bookings.serializers import (
    BookingChangeSerializer,
    BookingInputSerializer,
    BookingSerializer,
    CancelledSerializer,
    ErrorSerializer,
    booking_representation,
    create_answer,
)
from bookings.services import lifecycle
from bookings.services.creation import Channel
from bookings.services.modification import booking_modify
from bookings.services.seating import booking_seat_now
from config import throttling
from config.throttling import ScopedThrottle
from opsportal import selectors
from opsportal.authentication import StaffTokenAuthentication
from opsportal.events import error_code, log_walkin
from opsportal.filters import BookingFilterSet
from opsportal.permissions import NO_RESTAURANT, IsRestaurantMember
from opsportal.serializers import (
    AssignTablesSerializer,
    BookingCreateResponseSerializer,
    BookingPageSerializer,
    CancelQuerySerializer,
    DeclineSerializer,
    ExportQuerySerializer,
    PageQuerySerializer,
    RestaurantScopeSerializer,
    SeatNowSerializer,
    StatusChangeSerializer,
    StatusSummarySerializer,
)
from opsportal.walkins import walkin_create

ERROR = ErrorSerializer
# Both creates (a booking, a seated walk-in): 201 new, 200 a replay, and every refusal.
CREATE_RESPONSES = {
    201: BookingCreateResponseSerializer,
    200: BookingCreateResponseSerializer,
    **dict.fromkeys((400, 401, 403, 409, 422, 429), ERROR),
}
RESTAURANT_PARAM = OpenApiParameter(
    "restaurantId", OpenApiTypes.UUID, description="Default: the user's first membership."
)
ID_PARAM = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The booking's id.")
# The filters of the list, which the status summary shares (opsportal.filters.BookingFilterSet).
FILTER_PARAMS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=Booking.Status.values, description="One status."),
    OpenApiParameter("statuses", OpenApiTypes.STR, description="Comma-separated statuses."),
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="startAt >= from (ISO 8601 with offset)."),
    OpenApiParameter("to", OpenApiTypes.DATETIME, description="startAt < to (ISO 8601 with offset)."),
    OpenApiParameter("query", OpenApiTypes.STR, description="Name, email, phone or reference, any case."),
]
EXPORT_COLUMNS = [
    "reference",
    "date",
    "start",
    "end",
    "status",
    "party",
    "type",
    "seating",
    "name",
    "email",
    "phone",
    "notes",
    "source",
    "tables",
]


def _spreadsheet_safe(text: str) -> str:
    """Guest-typed text that a spreadsheet would run as a formula gets a leading apostrophe.

    Every guest-typed column goes through here: name, email, phone and notes (DESIGN 12). A phone
    stored as +44... reads '+44... : the apostrophe keeps it text, which it is.
    """
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class OpsBookingSchema(AutoSchema):
    """The list answers one page object (`{items, pageInfo}`), not an array: spectacular would wrap
    a `list` action's response in one."""

    def _is_list_view(self, serializer=None) -> bool:
        return False if getattr(self.view, "action", None) == "list" else super()._is_list_view(serializer)


def _booking_action(summary: str, **extra):
    return extend_schema(
        summary=summary,
        request=None,
        parameters=[ID_PARAM],
        responses={200: BookingSerializer, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        **extra,
    )


@extend_schema_view(
    list=extend_schema(
        operation_id="ops_bookings_list",
        summary="List bookings",
        parameters=[RESTAURANT_PARAM, PageQuerySerializer],
        responses={200: BookingPageSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR},
    ),
    create=extend_schema(
        summary="Create a walk-in or phone booking",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=BookingInputSerializer,
        responses=CREATE_RESPONSES,
    ),
    retrieve=extend_schema(
        summary="One booking",
        parameters=[ID_PARAM],
        responses={200: BookingSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
    ),
    partial_update=extend_schema(
        summary="Change date, time, party size or notes",
        parameters=[ID_PARAM],
        request=BookingChangeSerializer,
        responses={200: BookingSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 422: ERROR},
    ),
    destroy=extend_schema(
        summary="Cancel (`cancelledBy=guest` when the guest called it off, else the restaurant)",
        parameters=[ID_PARAM, CancelQuerySerializer],
        responses={200: CancelledSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    ),
)
class OpsBookingViewSet(ValidationModeHeaderMixin, viewsets.GenericViewSet):
    schema = OpsBookingSchema()
    serializer_class = BookingSerializer
    # Token first: its WWW-Authenticate header makes an anonymous call a 401, not a 403.
    authentication_classes = [StaffTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, IsRestaurantMember]
    filter_backends = [DjangoFilterBackend]
    filterset_class = BookingFilterSet
    lookup_value_regex = "[^/]+"
    validation_actions = frozenset({"create", "partial_update", "seat_now"})  # the actions that run the validator
    throttle_scope = "ops_list"  # list calls per user; creates per user and restaurant (`acting_restaurant_id`)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Booking.objects.none()
        return selectors.booking_list_for_staff(user=self.request.user)

    def get_throttles(self):
        return [ScopedThrottle()] if self.action == "list" else []

    def get_object(self):
        return selectors.booking_get_for_staff(user=self.request.user, booking_id=self.kwargs["pk"])

    def acting_restaurant_id(self, request):
        """The restaurant this request acts on, for `IsRestaurantMember` (None: the first membership).

        Create and seat-now read it from the body, after the checks DESIGN 5.2 puts before membership:
        the body must be valid (400) and the per-user-and-restaurant create rate not exceeded (429).
        """
        if self.action in {"create", "seat_now"}:
            if self.action == "create":
                self.payload = BookingInputSerializer(
                    data=request.data, context={"channel": Channel.OPS.value, "user": request.user}
                )
            else:
                self.payload = SeatNowSerializer(data=request.data)
            self.payload.is_valid(raise_exception=True)
            data = self.payload.validated_data
            restaurant_id = data["restaurant_id"] if self.action == "create" else data["restaurantId"]
            wait = throttling.hit("ops_create", f"user:{request.user.pk}:{restaurant_id}")
            if wait is not None:
                raise exceptions.Throttled(wait=wait)
            return restaurant_id
        if self.action in {"list", "status_summary", "export"}:
            query_class = ExportQuerySerializer if self.action == "export" else RestaurantScopeSerializer
            self.query = query_class(data=request.query_params)
            self.query.is_valid(raise_exception=True)
            return self.query.validated_data.get("restaurantId")
        return NO_RESTAURANT

    # --- create (DESIGN 5.2) --------------------------------------------------------------------
    def create(self, request):
        membership = request.membership
        result = walkin_create(
            user=request.user,
            membership=membership,
            booking_request=self.payload.booking_request(),
            idempotency_key=request.headers.get("Idempotency-Key"),
            fingerprint=request_fingerprint(method=request.method, route=request.path, body=request.data),
            origin=request_origin(request),
            via="api",
        )
        # A guest identity made by this very request has no other booking: no need to ask.
        bookings = (
            [result.booking] if result.new_customer else list(booking_active_for_identity(result.booking.customer))
        )
        body = create_answer(result, bookings=bookings)
        return Response(body, status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Seat a walk-in now",
        description=(
            "A walk-in seated at once (DESIGN 7): created through the creation pipeline for the grid slot "
            'containing now (booking type: the service period at now, else by the hour; name "Walk-in" '
            "when none is given), given `tableIds` or else the best-fit free table or group, and checked in, "
            "in one transaction. The answer is a create answer whose booking is `checked_in`. "
            "409 `NO_TABLE_FREE`: no table seats the party for the whole duration; 409 `TABLE_UNAVAILABLE` / "
            "`TABLE_TOO_SMALL`: the tables asked for are taken or too small; 400: a table that is not an "
            "active table of this restaurant, or another validation issue (DESIGN 5.5); 403: not a member."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=SeatNowSerializer,
        responses=CREATE_RESPONSES,
    )
    @action(detail=False, methods=["post"], url_path="seat-now", filter_backends=[])
    def seat_now(self, request):
        result = booking_seat_now(
            restaurant=request.membership.restaurant,
            seat_request=self.payload.seat_request(),
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            fingerprint=request_fingerprint(method=request.method, route=request.path, body=request.data),
            origin=request_origin(request),
        )
        bookings = (
            [result.booking] if result.new_customer else list(booking_active_for_identity(result.booking.customer))
        )
        body = create_answer(result, bookings=bookings)
        return Response(body, status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED)

    def handle_exception(self, exc):
        """Log every refused (4xx) or failed (500) create: one line each, like the successes."""
        if self.action != "create":
            return super().handle_exception(exc)
        try:
            data = self.request.data if isinstance(self.request.data, dict) else {}
        except exceptions.APIException:  # the body itself is unreadable (bad JSON, wrong media type)
            data = {}
        event = {"via": "api", "user": self.request.user, "restaurant_id": data.get("restaurantId")}
        try:
            response = super().handle_exception(exc)  # re-raises what the handler does not render
        except Exception:
            log_walkin("booking_failed", error="INTERNAL", level=logging.ERROR, **event)
            raise
        log_walkin(
            "booking_refused", error=error_code(response.status_code, response.data), level=logging.WARNING, **event
        )
        return response

    # --- reads ------------------------------------------------------------------------------------
    def list(self, request):
        restaurant = request.membership.restaurant
        page = PageQuerySerializer(data=request.query_params)
        page.is_valid(raise_exception=True)
        number, size = page.validated_data["page"], page.validated_data["pageSize"]
        bookings = self.filter_queryset(self.get_queryset()).filter(restaurant=restaurant).order_by("start_at", "id")
        total = bookings.count()
        offset = (number - 1) * size
        items = list(bookings[offset : offset + size]) if offset < total else []
        page_info = {"page": number, "pageSize": size, "total": total, "hasNext": offset + size < total}
        return Response({"items": [booking_representation(b) for b in items], "pageInfo": page_info})

    def retrieve(self, request, pk=None):
        return Response(booking_representation(self.get_object()))

    @extend_schema(
        summary="Bookings per status",
        parameters=[RESTAURANT_PARAM, *FILTER_PARAMS],
        responses={200: StatusSummarySerializer, 400: ERROR, 401: ERROR, 403: ERROR},
    )
    @action(detail=False, methods=["get"], url_path="status-summary")
    def status_summary(self, request):
        restaurant = request.membership.restaurant
        bookings = self.filter_queryset(self.get_queryset()).filter(restaurant=restaurant)
        totals = booking_status_totals(bookings=bookings)
        return Response(
            StatusSummarySerializer(
                {"restaurantId": restaurant.pk, "total": sum(totals.values()), "totals": totals}
            ).data
        )

    @extend_schema(
        summary="One service day as CSV",
        parameters=[ExportQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, 400: ERROR, 401: ERROR, 403: ERROR},
    )
    @action(detail=False, methods=["get"], url_path="export", filter_backends=[])
    def export(self, request):
        restaurant, day = request.membership.restaurant, self.query.validated_data["date"]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{restaurant.slug}-{day.isoformat()}.csv"'
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        for booking in selectors.booking_day_sheet(restaurant=restaurant, day=day):
            writer.writerow(
                [
                    booking.reference,
                    booking.booking_date.isoformat(),
                    booking.start_time.strftime("%H:%M"),
                    booking.end_time.strftime("%H:%M"),
                    booking.status,
                    booking.party_size,
                    booking.booking_type,
                    booking.seating_preference,
                    _spreadsheet_safe(booking.customer_name),
                    _spreadsheet_safe(booking.guest_email),
                    _spreadsheet_safe(booking.customer_phone),
                    _spreadsheet_safe(booking.notes),
                    booking.source,
                    " ".join(a.table.name for a in booking.active_assignments),
                ]
            )
        return response

    @extend_schema(
        summary="Status history, newest first",
        parameters=[ID_PARAM],
        responses={200: StatusChangeSerializer(many=True), 401: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get"], filter_backends=[])  # a list, but not of bookings
    def history(self, request, pk=None):
        booking = self.get_object()
        return Response(StatusChangeSerializer(selectors.booking_history(booking=booking), many=True).data)

    # --- writes -----------------------------------------------------------------------------------
    def partial_update(self, request, pk=None):
        booking = self.get_object()
        changes = BookingChangeSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        booking = booking_modify(booking=booking, actor=request.user, **changes.validated_data)
        return Response(booking_representation(booking))

    def destroy(self, request, pk=None):
        query = CancelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by_guest = query.validated_data["cancelledBy"] == "guest"
        booking = lifecycle.booking_cancel(booking=self.get_object(), actor=request.user, by_guest=by_guest)
        return Response(CancelledSerializer({"id": booking.pk, "status": booking.status}).data)

    @_booking_action("Check in (on the reservation date)")
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._run(lifecycle.booking_check_in)

    @_booking_action("Check out (completes the booking, releases its tables)")
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        return self._run(lifecycle.booking_check_out)

    @_booking_action("Mark as no-show (on the reservation date)")
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._run(lifecycle.booking_mark_no_show)

    @_booking_action("Undo a no-show (back to confirmed)")
    @action(detail=True, methods=["post"], url_path="undo-no-show")
    def undo_no_show(self, request, pk=None):
        return self._run(lifecycle.booking_undo_no_show)

    @extend_schema(
        summary="Assign tables (confirms a pending booking)",
        parameters=[ID_PARAM],
        request=AssignTablesSerializer,
        responses={200: BookingSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"], url_path="assign-tables")
    def assign_tables(self, request, pk=None):
        booking = self.get_object()
        body = AssignTablesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._run(lifecycle.booking_assign_tables, booking=booking, table_ids=body.validated_data["tableIds"])

    @extend_schema(
        summary="Decline a waiting request",
        description=(
            "A pending or pending_allocation request is cancelled with history reason `declined`; the guest "
            "receives one `booking_declined` email with the reason and a link to the booking page. "
            "Any other status is 409 `NOT_PENDING`."
        ),
        parameters=[ID_PARAM],
        request=DeclineSerializer,
        responses={200: BookingSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        booking = self.get_object()
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._run(lifecycle.booking_decline, booking=booking, reason=body.validated_data["reason"])

    def _run(self, service, booking=None, **kwargs) -> Response:
        booking = service(booking=booking or self.get_object(), actor=self.request.user, **kwargs)
        return Response(booking_representation(booking))
