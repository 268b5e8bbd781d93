"""Shapes of the guest API (DESIGN 10), camelCase on the wire. Field rules are the booking API's."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.models import Booking
from bookings.serializers import BookingDateField, BookingSerializer, ClockTimeField, StrictIntegerField
from bookings.services.guests import can_change, change_deadline

GUEST_HIDDEN_FIELDS = ("idempotencyKey", "clientRequestId")


class AvailabilityQuerySerializer(serializers.Serializer):
    date = BookingDateField()
    party = serializers.IntegerField(min_value=1, max_value=500)
    bookingType = serializers.ChoiceField(choices=Booking.BookingType.choices, required=False)


class SlotSerializer(serializers.Serializer):
    time = ClockTimeField()
    bookingType = serializers.CharField(source="booking_type")
    available = serializers.BooleanField()


class AvailabilitySerializer(serializers.Serializer):
    restaurant = serializers.SlugField(help_text="The restaurant's slug.")
    date = serializers.DateField()
    party = StrictIntegerField()
    timezone = serializers.CharField()
    slots = SlotSerializer(many=True)


class GuestBookingSerializer(BookingSerializer):
    """The booking as its guest sees it: no idempotency data, plus whether it can still be changed."""

    canChange = serializers.SerializerMethodField()
    changeDeadline = serializers.SerializerMethodField()

    class Meta(BookingSerializer.Meta):
        fields = [f for f in BookingSerializer.Meta.fields if f not in GUEST_HIDDEN_FIELDS] + [
            "canChange",
            "changeDeadline",
        ]
        read_only_fields = fields

    def get_canChange(self, booking: Booking) -> bool:
        return can_change(booking)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_changeDeadline(self, booking: Booking) -> str:
        return change_deadline(booking).astimezone(booking.restaurant.tz).isoformat()
