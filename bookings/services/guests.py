"""What a guest may do with their own booking through the manage link (DESIGN 10).

While the booking is pending or confirmed and starts more than the restaurant's
`guest_change_cutoff_minutes` from now, the guest may cancel it, change its date, time, party or
notes (the same modification service as staff, under the web channel's rules) and switch their
marketing consent. Otherwise a change is 409 `CHANGE_WINDOW_CLOSED`. The checks run on the locked
booking, so a guest and a host acting at once cannot both win.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, Customer, generate_nonce
from bookings.services.lifecycle import booking_cancel, lock_booking
from bookings.services.modification import booking_modify
from config.errors import Conflict

CHANGEABLE = Booking.PENDING_STATUSES | {Booking.Status.CONFIRMED}


class ChangeWindowClosed(Conflict):
    def __init__(self, booking: Booking) -> None:
        restaurant = booking.restaurant
        phone = f" on {restaurant.contact_phone}" if restaurant.contact_phone else ""
        super().__init__(
            f"This booking can no longer be changed online; please contact {restaurant.name}{phone}.",
            code="CHANGE_WINDOW_CLOSED",
        )


def change_deadline(booking: Booking) -> dt.datetime:
    """Until when the guest may change or cancel online."""
    return booking.start_at - dt.timedelta(minutes=booking.restaurant.guest_change_cutoff_minutes)


def can_change(booking: Booking) -> bool:
    return booking.status in CHANGEABLE and timezone.now() < change_deadline(booking)


def _require_change_window(booking: Booking) -> None:
    if not can_change(booking):
        raise ChangeWindowClosed(booking)


def guest_cancel(*, booking: Booking) -> Booking:
    """The guest cancels: history reason `guest`, no staff actor; `guest_cancellation` to the guest
    and `staff_guest_cancelled` to the restaurant."""
    return booking_cancel(
        booking=booking, actor=None, reason="guest", by_guest=True, online=True, guard=_require_change_window
    )


def guest_modify(
    *,
    booking: Booking,
    booking_date: dt.date | None = None,
    start_time: dt.time | None = None,
    party_size: int | None = None,
    notes: str | None = None,
) -> Booking:
    """The guest changes their booking: back to the mode's pending status when date, time or party
    change (DESIGN 4); `modification_requested` to the guest, `staff_guest_changed` to the restaurant."""
    return booking_modify(
        booking=booking,
        actor=None,
        booking_date=booking_date,
        start_time=start_time,
        party_size=party_size,
        notes=notes,
        by_guest=True,
        guard=_require_change_window,
    )


@transaction.atomic
def guest_set_marketing_consent(*, booking: Booking, opt_in: bool) -> Booking:
    """Consent given or withdrawn from the manage link reaches the guest's customer record: the guest
    proved they read the mailbox the link was sent to (DESIGN 10). Like the booking's other
    switches, only until the cut-off (`ChangeWindowClosed`); then the restaurant takes it."""
    booking = lock_booking(booking.pk)
    _require_change_window(booking)
    booking.marketing_opt_in = opt_in
    booking.save(update_fields=["marketing_opt_in", "updated_at"])
    Customer.objects.filter(pk=booking.customer_id).update(marketing_opt_in=opt_in, updated_at=timezone.now())
    return booking


def manage_link_revoke(*, booking: Booking) -> Booking:
    """A new nonce: every manage link sent so far stops working (`bookings.tokens`)."""
    booking.manage_nonce = generate_nonce()
    booking.save(update_fields=["manage_nonce", "updated_at"])
    return booking
