"""Request and response shapes of the ops API (DESIGN 5.2, 7). camelCase on the wire.

Booking field rules (dates, times, party, notes) are `BookingInputSerializer`'s; the request
serializers here only add the ops-specific envelopes (paging, table ids, scope).
"""

from __future__ import annotations

from rest_framework import serializers

from bookings.contacts import is_placeholder_email
from bookings.models import BookingStatusChange
from bookings.serializers import BookingSerializer, StrictIntegerField
from bookings.services.seating import SeatNowRequest

MAX_PAGE_SIZE = 50


class RestaurantScopeSerializer(serializers.Serializer):
    restaurantId = serializers.UUIDField(required=False, help_text="Default: the user's first membership.")


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    pageSize = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=10)


class PageInfoSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    total = serializers.IntegerField()
    hasNext = serializers.BooleanField()


class BookingPageSerializer(serializers.Serializer):
    items = BookingSerializer(many=True)
    pageInfo = PageInfoSerializer()


class BookingCreateResponseSerializer(serializers.Serializer):
    booking = BookingSerializer()
    bookings = BookingSerializer(many=True, help_text="The guest identity's active bookings.")
    idempotencyKey = serializers.CharField(allow_null=True)
    clientRequestId = serializers.UUIDField()
    duplicate = serializers.BooleanField()


class AssignTablesSerializer(serializers.Serializer):
    tableIds = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False)


class SeatNowSerializer(serializers.Serializer):
    """`POST /api/ops/bookings/seat-now` (DESIGN 7): the party, optionally its tables and contacts.

    The field rules are the walk-in's (DESIGN 5): a name, when given, is 2-120 characters after
    trimming (none means "Walk-in"); email and phone are optional (a phone must be valid for the
    restaurant's country, which the pipeline checks); notes at most 500.
    """

    restaurantId = serializers.UUIDField()
    party = StrictIntegerField(min_value=1, max_value=500)
    tableIds = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=20,
        help_text="The tables to seat the party at; missing or empty: the best fit free now.",
    )
    name = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=120)
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=40)
    notes = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=500)

    def validate_name(self, value: str | None) -> str:
        value = (value or "").strip()
        if value and len(value) < 2:
            raise serializers.ValidationError('Give at least 2 characters, or no name (it reads "Walk-in").')
        return value

    def validate_email(self, value: str | None) -> str:
        if is_placeholder_email(value):
            raise serializers.ValidationError("Enter the guest's own email address.")
        return (value or "").strip().lower()

    def seat_request(self) -> SeatNowRequest:
        data = self.validated_data
        return SeatNowRequest(
            party_size=data["party"],
            table_ids=tuple(dict.fromkeys(data.get("tableIds") or [])),
            name=data.get("name") or "",
            email=data.get("email") or "",
            phone=(data.get("phone") or "").strip(),
            notes=(data.get("notes") or "").strip(),
        )


class CancelQuerySerializer(serializers.Serializer):
    cancelledBy = serializers.ChoiceField(
        choices=["guest", "restaurant"],
        default="restaurant",
        help_text="Who called it off: the guest gets `guest_cancellation`, else `restaurant_cancellation`.",
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        min_length=3,
        max_length=500,
        help_text="Why the restaurant cannot take the request; the guest reads it in the email.",
    )


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class StatusChangeSerializer(serializers.ModelSerializer):
    fromStatus = serializers.CharField(source="from_status", help_text="Blank for the creation row.")
    toStatus = serializers.CharField(source="to_status")
    changedAt = serializers.DateTimeField(source="changed_at")
    changedBy = StaffSerializer(source="changed_by", allow_null=True)

    class Meta:
        model = BookingStatusChange
        fields = ["id", "fromStatus", "toStatus", "changedAt", "changedBy", "reason", "metadata"]


class StatusSummarySerializer(serializers.Serializer):
    restaurantId = serializers.UUIDField()
    total = serializers.IntegerField()
    totals = serializers.DictField(child=serializers.IntegerField(), help_text="Every status, zeros included.")


class ExportQuerySerializer(RestaurantScopeSerializer):
    date = serializers.DateField(help_text="The service day, YYYY-MM-DD.")
