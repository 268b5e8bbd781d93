"""The lifecycle's records in the admin: status history and table assignments, read-only everywhere.

Only the booking services (creation and `bookings.services.lifecycle`) write these rows, as the
trace of what happened to a booking (a status change also keys its notification); a row edited by
hand would make the history disagree with the booking. So they get read-only changelists of their
own, scoped through their booking's restaurant, and read-only inlines on the booking's page. Tables
are assigned from the ops board ("Assign table"), which calls the service.
"""

from __future__ import annotations

from django.contrib import admin

from bookings.models import Booking, BookingStatusChange, TableAssignment
from restaurants.admin import ReadOnlyMixin, RestaurantScopedMixin

# The history's codes in words (issue 12: "history shows words, not codes").
REASON_WORDS = {
    "": "",
    "tables_assigned": "Tables assigned",
    "modified": "Date, time or party changed",
    "declined": "Declined by the restaurant",
    "expired": "Expired: nobody answered in time",
    "end_of_day": "Closed at the end of the day",
    "undo_no_show": "No-show undone",
}


def status_words(status: str) -> str:
    return Booking.Status(status).label if status in Booking.Status.values else status


def change_words(change: BookingStatusChange) -> str:
    """'Created as Pending allocation', 'Confirmed → Checked in'."""
    if not change.from_status:
        return f"Created as {status_words(change.to_status)}"
    return f"{status_words(change.from_status)} → {status_words(change.to_status)}"


def why_words(change: BookingStatusChange) -> str:
    """The reason and what the metadata says, as a sentence or two."""
    reason = change.reason
    words = [REASON_WORDS.get(reason, reason.replace("override: ", "Rules overridden: ", 1))]
    meta = change.metadata or {}
    if by := meta.get("cancelledBy"):
        online = " online" if meta.get("online") else ""
        words.append(f"cancelled by {'the guest' if by == 'guest' else 'the restaurant'}{online}")
    if message := meta.get("message"):
        words.append(f"message to the guest: {message}")
    if meta.get("byGuest"):
        words.append("changed by the guest")
    if issues := meta.get("overriddenIssues"):
        words.append("overridden: " + ", ".join(i.replace("_", " ").lower() for i in issues))
    return "; ".join(w for w in words if w) or "–"


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
    """The booking's history in words: what changed, who did it, why."""

    model = BookingStatusChange
    fields = ("changed_at", "change", "changed_by", "why")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "history"

    @admin.display(description="change")
    def change(self, obj: BookingStatusChange) -> str:
        return change_words(obj)

    @admin.display(description="why")
    def why(self, obj: BookingStatusChange) -> str:
        return why_words(obj)


class TableAssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = TableAssignment
    fields = ("table", "assigned_by", "created_at", "released_at")
    readonly_fields = fields
    extra = 0
