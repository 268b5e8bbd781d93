"""The lifecycle's records in the admin: status history and table assignments, read-only everywhere.

Only the booking services (creation and `bookings.services.lifecycle`) write these rows, as the
trace of what happened to a booking (a status change also keys its notification); a row edited by
hand would make the history disagree with the booking. So they get read-only changelists of their
own, scoped through their booking's restaurant, and read-only inlines on the booking's page. Tables
are assigned from the ops board ("Assign table"), which calls the service.
"""

from __future__ import annotations

from django.contrib import admin

from bookings.models import BookingStatusChange, TableAssignment
from restaurants.admin import ReadOnlyMixin, RestaurantScopedMixin


@admin.register(BookingStatusChange)
class BookingStatusChangeAdmin(ReadOnlyMixin, RestaurantScopedMixin, admin.ModelAdmin):
    restaurant_path = "booking__restaurant"
    list_display = ("changed_at", "booking", "from_status", "to_status", "changed_by", "reason")
    list_filter = ("to_status",)
    list_select_related = ("booking", "changed_by")
    search_fields = ("booking__reference", "booking__customer_name")


@admin.register(TableAssignment)
class TableAssignmentAdmin(ReadOnlyMixin, RestaurantScopedMixin, admin.ModelAdmin):
    """Tables are assigned from the board ("Assign table"), which calls the service."""

    restaurant_path = "booking__restaurant"
    list_display = ("table", "booking", "assigned_by", "created_at", "released_at")
    list_select_related = ("table", "booking", "assigned_by")
    search_fields = ("booking__reference", "table__name")


class StatusHistoryInline(ReadOnlyMixin, admin.TabularInline):
    model = BookingStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "reason", "metadata")
    readonly_fields = fields
    extra = 0


class TableAssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = TableAssignment
    fields = ("table", "assigned_by", "created_at", "released_at")
    readonly_fields = fields
    extra = 0
