"""Input and output shapes of the booking APIs (DESIGN 5.1, 5.2): camelCase JSON on the wire.

`BookingInputSerializer` is shared by both channels; `context["channel"]` ("customer", the default,
or "ops") decides which contact fields are optional and which fields exist. On the ops channel
`context["user"]` (the staff member) limits the restaurant looked up for the phone's country to
their own, so a phone error never tells whether another restaurant exists. Once valid,
`booking_request()` is the `BookingRequest` that `booking_create` takes, and `validated_data`
holds `restaurant` (the Restaurant, or None when it was not needed or not found: the API answers
404 or 403 for that) and `restaurant_id`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.contacts import Recipient, is_placeholder_email, normalise_phone
from bookings.models import Booking
from bookings.services.creation import BookingCreateResult, BookingRequest
from restaurants.models import Restaurant
from restaurants.selectors import membership_get

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# How far back and ahead a booking date may be, whatever the mode: a restaurant's book has no use
# for older or later dates, and the bounds keep every date arithmetic far from date.min/date.max.
DATE_WINDOW = (dt.timedelta(days=366), dt.timedelta(days=2 * 366))


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no strings, booleans or floats."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean, or the strings "true"/"false" (so "false" is false)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.strip().lower() in {"true", "false"}:
            return data.strip().lower() == "true"
        self.fail("invalid", input=data)


class BookingDateField(serializers.DateField):
    """YYYY-MM-DD within DATE_WINDOW of today."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        today = timezone.now().date()
        earliest, latest = today - DATE_WINDOW[0], today + DATE_WINDOW[1]
        if not earliest <= day <= latest:
            raise serializers.ValidationError(f"Give a date between {earliest.isoformat()} and {latest.isoformat()}.")
        return day


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "19:00", "description": "HH:MM"}
)
class ClockTimeField(serializers.TimeField):
    """HH:MM on the 24-hour clock, in and out (OpenAPI's `format: time` would say HH:MM:SS)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)

    default_error_messages = {"invalid": "Time must be HH:MM on the 24-hour clock."}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not TIME_RE.match(value):
            self.fail("invalid")
        return super().to_internal_value(value)


class OverrideSerializer(serializers.Serializer):
    apply = StrictBooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)

    def validate(self, attrs):
        if attrs["apply"] and len(attrs["reason"].strip()) < 3:
            raise serializers.ValidationError({"reason": ["Give a reason of at least 3 characters."]})
        attrs["reason"] = attrs["reason"].strip()
        return attrs


class BookingInputSerializer(serializers.Serializer):
    restaurantSlug = serializers.SlugField(source="restaurant_slug", required=False)
    restaurantId = serializers.UUIDField(source="restaurant_id", required=False)
    date = BookingDateField(source="booking_date")
    time = ClockTimeField(source="start_time")
    party = StrictIntegerField(source="party_size", min_value=1, max_value=500)
    bookingType = serializers.ChoiceField(source="booking_type", choices=Booking.BookingType.choices)
    seating = serializers.ChoiceField(
        source="seating_preference", choices=Booking.Seating.choices, default=Booking.Seating.ANY
    )
    notes = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=500, default="")
    name = serializers.CharField(min_length=2, max_length=120)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=40)
    marketingOptIn = StrictBooleanField(source="marketing_opt_in", default=False)
    override = OverrideSerializer(required=False, allow_null=True, default=None)
    source = serializers.ChoiceField(
        choices=[Booking.Source.WALK_IN, Booking.Source.PHONE], default=Booking.Source.WALK_IN
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_ops:
            self.fields.pop("restaurantSlug")
            self.fields["restaurantId"].required = True
            for name in ("email", "phone"):
                self.fields[name].required = False
                self.fields[name].allow_blank = True
                self.fields[name].allow_null = True
        else:
            self.fields.pop("override")
            self.fields.pop("source")

    @property
    def is_ops(self) -> bool:
        return self.context.get("channel") == "ops"

    def validate_email(self, value: str | None) -> str | None:
        if is_placeholder_email(value):
            raise serializers.ValidationError("Enter the guest's own email address.")
        return value

    def validate(self, attrs):
        if not self.is_ops and not (attrs.get("restaurant_slug") or attrs.get("restaurant_id")):
            raise serializers.ValidationError({"restaurantSlug": ["Give restaurantSlug or restaurantId."]})
        attrs["notes"] = (attrs.get("notes") or "").strip()
        attrs["email"] = (attrs.get("email") or "").strip().lower()
        attrs["phone"] = (attrs.get("phone") or "").strip()
        attrs.setdefault("override", None)
        restaurant = self.context.get("restaurant") or self._find_restaurant(attrs)
        attrs["restaurant"] = restaurant
        if attrs["phone"] and (restaurant or self.is_ops):  # refused here; the pipeline stores it
            try:
                normalise_phone(attrs["phone"], region=restaurant.country if restaurant else None)
            except ValueError as exc:
                raise serializers.ValidationError({"phone": [str(exc)]}) from exc
        return attrs

    def booking_request(self) -> BookingRequest:
        """The valid body as the creation pipeline's input."""
        data = self.validated_data
        override = data["override"]
        return BookingRequest(
            booking_date=data["booking_date"],
            start_time=data["start_time"],
            party_size=data["party_size"],
            booking_type=data["booking_type"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            seating_preference=data["seating_preference"],
            notes=data["notes"],
            marketing_opt_in=data["marketing_opt_in"],
            override_reason=override["reason"] if override and override["apply"] else None,
            source=data.get("source"),
        )

    def _find_restaurant(self, attrs) -> Restaurant | None:
        """The public channel always needs it (404 when missing); ops only to read a phone's country."""
        if self.is_ops:
            if not attrs["phone"]:
                return None
            user = self.context.get("user")  # absent in the shell: a trusted caller
            if user is None:
                return Restaurant.objects.filter(pk=attrs["restaurant_id"]).first()
            membership = membership_get(user=user, restaurant_id=attrs["restaurant_id"])
            return membership.restaurant if membership else None
        lookup = {"slug": attrs["restaurant_slug"]} if attrs.get("restaurant_slug") else {"pk": attrs["restaurant_id"]}
        return Restaurant.objects.filter(is_active=True, **lookup).first()


def _optional(name: str, **overrides) -> serializers.Field:
    """An optional copy of one of `BookingInputSerializer`'s fields: the field rules live there once."""
    field = BookingInputSerializer._declared_fields[name]
    kwargs = {key: value for key, value in field._kwargs.items() if key != "default"}
    return type(field)(*field._args, **{**kwargs, "required": False, **overrides})


class BookingChangeSerializer(serializers.Serializer):
    """A change of date, time, party or notes (staff PATCH and the guest's manage link).

    `validated_data` is `booking_modify`'s keyword arguments for what the body gave.
    """

    date = _optional("date")
    time = _optional("time")
    partySize = _optional("party", help_text="Or `party`.")
    party = _optional("party")
    notes = _optional("notes")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give at least one of date, time, partySize (or party), notes.")
        if "notes" in attrs:
            attrs["notes"] = (attrs["notes"] or "").strip()
        return attrs


class BookingSerializer(serializers.ModelSerializer):
    """The booking representation of DESIGN 5.2 (no queries once `restaurant` is loaded)."""

    restaurantId = serializers.UUIDField(source="restaurant_id", read_only=True)
    restaurantName = serializers.CharField(source="restaurant.name", read_only=True)
    bookingDate = serializers.DateField(source="booking_date", read_only=True)
    startTime = ClockTimeField(source="start_time", read_only=True)
    endTime = ClockTimeField(source="end_time", read_only=True)
    startAt = serializers.SerializerMethodField()
    endAt = serializers.SerializerMethodField()
    partySize = serializers.IntegerField(source="party_size", read_only=True)
    bookingType = serializers.CharField(source="booking_type", read_only=True)
    seating = serializers.CharField(source="seating_preference", read_only=True)
    customerName = serializers.CharField(source="customer_name", read_only=True)
    customerEmail = serializers.CharField(source="customer_email", read_only=True)
    customerPhone = serializers.CharField(source="customer_phone", read_only=True)
    marketingOptIn = serializers.BooleanField(source="marketing_opt_in", read_only=True)
    idempotencyKey = serializers.CharField(source="idempotency_key", read_only=True, allow_null=True)
    clientRequestId = serializers.UUIDField(source="client_request_id", read_only=True)
    notificationRecipient = serializers.ChoiceField(
        source="notification_recipient", choices=Recipient.values, read_only=True
    )
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "reference",
            "restaurantId",
            "restaurantName",
            "bookingDate",
            "startTime",
            "endTime",
            "startAt",
            "endAt",
            "partySize",
            "bookingType",
            "seating",
            "status",
            "source",
            "customerName",
            "customerEmail",
            "customerPhone",
            "notes",
            "marketingOptIn",
            "idempotencyKey",
            "clientRequestId",
            "notificationRecipient",
            "createdAt",
            "updatedAt",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_startAt(self, booking: Booking) -> str:
        return booking.start_at.astimezone(booking.restaurant.tz).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_endAt(self, booking: Booking) -> str:
        return booking.end_at.astimezone(booking.restaurant.tz).isoformat()


def _utc(instant: dt.datetime) -> str:
    """A DRF DateTimeField's rendering: ISO 8601 in UTC, "Z" for +00:00."""
    text = instant.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def booking_representation(booking: Booking) -> dict[str, Any]:
    """The booking of DESIGN 5.2 as JSON-ready data, exactly what `BookingSerializer` renders.

    Built directly: the serializer documents the schema, while the answers skip a ModelSerializer's
    field building on every request (DESIGN 13). A test keeps the two identical.
    """
    tz = booking.restaurant.tz
    return {
        "id": str(booking.pk),
        "reference": booking.reference,
        "restaurantId": str(booking.restaurant_id),
        "restaurantName": booking.restaurant.name,
        "bookingDate": booking.booking_date.isoformat(),
        "startTime": booking.start_time.strftime("%H:%M"),
        "endTime": booking.end_time.strftime("%H:%M"),
        "startAt": booking.start_at.astimezone(tz).isoformat(),
        "endAt": booking.end_at.astimezone(tz).isoformat(),
        "partySize": booking.party_size,
        "bookingType": booking.booking_type,
        "seating": booking.seating_preference,
        "status": booking.status,
        "source": booking.source,
        "customerName": booking.customer_name,
        "customerEmail": booking.customer_email,
        "customerPhone": booking.customer_phone,
        "notes": booking.notes,
        "marketingOptIn": booking.marketing_opt_in,
        "idempotencyKey": booking.idempotency_key,
        "clientRequestId": str(booking.client_request_id),
        "notificationRecipient": str(booking.notification_recipient),
        "createdAt": _utc(booking.created_at),
        "updatedAt": _utc(booking.updated_at),
    }


def create_answer(result: BookingCreateResult, *, bookings: list[Booking] | None = None) -> dict[str, Any]:
    """The create answer of DESIGN 5.1/5.2; `bookings` (the identity's active ones) on the ops channel only."""
    answer: dict[str, Any] = {"booking": booking_representation(result.booking)}
    if bookings is not None:
        answer["bookings"] = [booking_representation(b) for b in bookings]
    answer.update(
        idempotencyKey=result.idempotency_key,
        clientRequestId=str(result.client_request_id),
        duplicate=result.duplicate,
    )
    return answer


class PublicBookingCreateResponseSerializer(serializers.Serializer):
    """The public create answer: no `bookings` key (DESIGN 5.1)."""

    booking = BookingSerializer()
    idempotencyKey = serializers.CharField(allow_null=True)
    clientRequestId = serializers.UUIDField()
    duplicate = serializers.BooleanField()


class CancelledSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=[Booking.Status.CANCELLED])


class ErrorSerializer(serializers.Serializer):
    """Every error body: `error`, plus `code`, `details`, `issues`, `reasons` or `retryAfter`."""

    error = serializers.CharField()
    code = serializers.CharField(required=False)
    details = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    issues = serializers.ListField(child=serializers.DictField(), required=False)
    reasons = serializers.ListField(child=serializers.CharField(), required=False)
    retryAfter = serializers.IntegerField(required=False)
