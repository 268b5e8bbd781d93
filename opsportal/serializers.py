"""Request and response shapes of the ops API (DESIGN 5.2, 7). camelCase on the wire.

Booking field rules (dates, times, party, notes) are `BookingInputSerializer`'s; the request
serializers here only add the ops-specific envelopes (paging, table ids, scope).
"""

from __future__ import annotations

from rest_framework import serializers

from bookings.models import BookingStatusChange
from bookings.serializers import BookingSerializer

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
