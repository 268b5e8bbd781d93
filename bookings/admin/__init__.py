"""The bookings app's admin, one module per concern; importing the package registers every ModelAdmin.

- `guests`: customers (guest identities) and their placeholder filter.
- `records`: the read-only lifecycle records (status history, table assignments) and their inlines.
- `board`: the ops board: its restaurant and day, its filters, its lifecycle actions and their views.
- `bookings`: `BookingAdmin`, the changelist that is the ops board, and the booking's page, with
  `register_booking_inline`, the hook through which other apps add their inlines to that page.
"""

from bookings.admin.bookings import BookingAdmin, register_booking_inline
from bookings.admin.guests import CustomerAdmin, PlaceholderIdentityFilter
from bookings.admin.records import (
    BookingStatusChangeAdmin,
    StatusHistoryInline,
    TableAssignmentAdmin,
    TableAssignmentInline,
)

__all__ = [
    "BookingAdmin",
    "BookingStatusChangeAdmin",
    "CustomerAdmin",
    "PlaceholderIdentityFilter",
    "StatusHistoryInline",
    "TableAssignmentAdmin",
    "TableAssignmentInline",
    "register_booking_inline",
]
