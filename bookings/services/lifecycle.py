"""The booking lifecycle (DESIGN 4): the one state machine and one service per transition.

Every path (public API, ops API, walk-in form, admin, shell) changes a booking's status through these
functions. Each is atomic and a compare-and-set on the old status: it locks the row
(`select_for_update`), checks the transition against `TRANSITIONS`, writes the BookingStatusChange
row with the actor and then saves the booking with `save(update_fields=...)` so post_save fires
(the notifications app listens; the history row already exists when it does).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from bookings.locking import lock_restaurant_day
from bookings.models import Booking, BookingStatusChange, TableAssignment
from bookings.selectors import table_assignments_overlapping
from bookings.services.actors import staff_of
from config.errors import Conflict, InvalidPayload
from config.types import Actor
from restaurants.models import Table

S = Booking.Status

# from -> statuses reachable by an ordinary transition. Modification (confirmed -> the mode's
# pending status) is not an ordinary transition: only `booking_modify` may take it, via
# `transition(..., modification=True)`.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PENDING_ALLOCATION, S.CONFIRMED, S.CANCELLED}),
    S.PENDING_ALLOCATION: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.COMPLETED, S.NO_SHOW}),
    S.NO_SHOW: frozenset({S.CONFIRMED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
MODIFICATION_TRANSITIONS: dict[str, frozenset[str]] = {S.CONFIRMED: frozenset({S.PENDING, S.PENDING_ALLOCATION})}
# History reasons the notifications read: a request the restaurant declined, or one that waited too
# long (DESIGN 7, 11); both tell the guest `booking_declined`. END_OF_DAY: the clock closed the day.
DECLINED = "declined"
EXPIRED = "expired"
END_OF_DAY = "end_of_day"


class InvalidTransition(Conflict):
    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(
            f"Cannot move booking from {from_status} to {to_status}",
            code="INVALID_TRANSITION",
            extra={"fromStatus": from_status, "toStatus": to_status},
        )
        self.from_status = from_status
        self.to_status = to_status


class NotPending(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"Only a request still waiting can be declined; this booking is {status}",
            code="NOT_PENDING",
            extra={"status": status},
        )


class NotServiceDay(Conflict):
    def __init__(self, action: str, booking: Booking, today: date) -> None:
        super().__init__(
            f"{action} is only possible on the reservation date ({booking.booking_date.isoformat()}); "
            f"today at {booking.restaurant.name} is {today.isoformat()}",
            code="NOT_SERVICE_DAY",
        )


def can_transition(from_status: str, to_status: str, *, modification: bool = False) -> bool:
    allowed = (MODIFICATION_TRANSITIONS if modification else TRANSITIONS).get(from_status, frozenset())
    return to_status in allowed


def lock_booking(booking_id: uuid.UUID) -> Booking:
    """Load one booking with its row locked for the rest of the transaction."""
    return Booking.objects.select_for_update(of=("self",)).select_related("restaurant").get(pk=booking_id)


def lock_booking_and_day(booking_id: uuid.UUID, *, also_day: date | None = None) -> Booking:
    """The slot lock of the booking's date (and of `also_day`, in date order), then its row lock.

    The date is read from the database, not from the caller's instance, which may be stale; if it
    moved between that read and the row lock (a concurrent modification), the answer is a 409.
    """
    restaurant_id, day = Booking.objects.filter(pk=booking_id).values_list("restaurant_id", "booking_date").get()
    for each in sorted({day, also_day or day}):
        lock_restaurant_day(restaurant_id=restaurant_id, day=each)
    booking = lock_booking(booking_id)
    if booking.booking_date != day:
        raise Conflict("The booking was changed at the same moment; try again", code="CONCURRENT_CHANGE")
    return booking


def transition(
    *,
    booking: Booking,
    to_status: str,
    actor: Actor,
    reason: str = "",
    metadata: dict | None = None,
    modification: bool = False,
    update_fields: Iterable[str] = (),
) -> BookingStatusChange:
    """Move an already-locked booking to `to_status` and record it. Callers hold the row lock.

    `update_fields` names other fields the caller changed on the instance, saved in the same write.
    """
    from_status = booking.status
    if not can_transition(from_status, to_status, modification=modification):
        raise InvalidTransition(from_status, to_status)
    change = BookingStatusChange.objects.create(
        booking=booking,
        from_status=from_status,
        to_status=to_status,
        changed_by=staff_of(actor),
        reason=reason,
        metadata=metadata or {},
    )
    booking.status = to_status
    entered: dict[str, str] = {
        S.PENDING: "pending_since",
        S.PENDING_ALLOCATION: "pending_since",
        S.CONFIRMED: "confirmed_at",
    }
    if stamp := entered.get(to_status):  # the clock measures from the latest entry (DESIGN 11)
        setattr(booking, stamp, change.changed_at)
        update_fields = [*update_fields, stamp]
    booking.save(update_fields=["status", "updated_at", *update_fields])
    return change


def is_service_day(booking: Booking) -> bool:
    """Today, in the restaurant's timezone, is the booking's date (check-in and no-show need it)."""
    return booking.booking_date == booking.restaurant.today()


def _require_service_day(booking: Booking, action: str) -> None:
    if not is_service_day(booking):
        raise NotServiceDay(action, booking, booking.restaurant.today())


def release_tables(booking: Booking) -> list[int]:
    """Free the booking's tables; the ids of the tables it held."""
    live = TableAssignment.objects.filter(booking=booking, released_at__isnull=True)
    table_ids = sorted(live.values_list("table_id", flat=True))
    live.update(released_at=timezone.now())
    return table_ids


@transaction.atomic
def booking_confirm(*, booking: Booking, actor: Actor, reason: str = "") -> Booking:
    booking = lock_booking(booking.pk)
    transition(booking=booking, to_status=S.CONFIRMED, actor=actor, reason=reason)
    return booking


@transaction.atomic
def booking_check_in(*, booking: Booking, actor: Actor) -> Booking:
    booking = lock_booking(booking.pk)
    if not can_transition(booking.status, S.CHECKED_IN):
        raise InvalidTransition(booking.status, S.CHECKED_IN)
    _require_service_day(booking, "Check-in")
    booking.checked_in_at = timezone.now()
    transition(booking=booking, to_status=S.CHECKED_IN, actor=actor, update_fields=["checked_in_at"])
    return booking


@transaction.atomic
def booking_check_out(*, booking: Booking, actor: Actor) -> Booking:
    """Checked-in guests leave: the booking completes and its tables are released."""
    booking = lock_booking(booking.pk)
    booking.checked_out_at = timezone.now()
    transition(booking=booking, to_status=S.COMPLETED, actor=actor, update_fields=["checked_out_at"])
    release_tables(booking)
    return booking


@transaction.atomic
def booking_mark_no_show(*, booking: Booking, actor: Actor, reason: str = "") -> Booking:
    """The guests did not come: their tables are freed for others (an undo takes back the free ones)."""
    booking = lock_booking(booking.pk)
    if not can_transition(booking.status, S.NO_SHOW):
        raise InvalidTransition(booking.status, S.NO_SHOW)
    _require_service_day(booking, "No-show")
    metadata: dict[str, object] = {"releasedTableIds": release_tables(booking)}
    if booking.checked_in_at:  # a no-show never sat down; the history row keeps the old time
        metadata["checkedInAt"] = booking.checked_in_at.isoformat()
    booking.checked_in_at = None
    transition(
        booking=booking,
        to_status=S.NO_SHOW,
        actor=actor,
        reason=reason,
        metadata=metadata,
        update_fields=["checked_in_at"],
    )
    return booking


@transaction.atomic
def booking_undo_no_show(*, booking: Booking, actor: Actor) -> Booking:
    """Restore a no-show to confirmed, within the same service day. Sends nothing.

    The tables the no-show freed come back if nobody has taken them since (under the day lock, as
    any assignment); the others stay with whoever has them, and staff assign new ones.
    """
    booking = lock_booking_and_day(booking.pk)
    if booking.status != S.NO_SHOW:
        raise InvalidTransition(booking.status, S.CONFIRMED)
    _require_service_day(booking, "Undoing a no-show")
    no_show = booking.status_changes.filter(to_status=S.NO_SHOW).first()  # newest first
    freed = no_show.metadata.get("releasedTableIds", []) if no_show else []
    taken = set(
        table_assignments_overlapping(booking=booking).filter(table_id__in=freed).values_list("table_id", flat=True)
    )
    restored = [table_id for table_id in freed if table_id not in taken]
    TableAssignment.objects.bulk_create(
        TableAssignment(booking=booking, table_id=table_id, assigned_by=staff_of(actor)) for table_id in restored
    )
    transition(
        booking=booking,
        to_status=S.CONFIRMED,
        actor=actor,
        reason="undo_no_show",
        metadata={"restoredTableIds": restored},
    )
    return booking


@transaction.atomic
def booking_cancel(
    *,
    booking: Booking,
    actor: Actor,
    reason: str = "",
    by_guest: bool = False,
    online: bool = False,
    guard: Callable[[Booking], None] | None = None,
) -> Booking:
    """Cancel; `by_guest` tells the notifications which email to send (DESIGN 6): the guest called
    it off (staff record it, or the guest did it `online` through the manage link) or the
    restaurant did. `guard` runs on the locked booking first and raises to refuse.
    """
    booking = lock_booking(booking.pk)
    if guard:
        guard(booking)
    metadata: dict[str, object] = {"cancelledBy": "guest" if by_guest else "staff"}
    if online:
        metadata["online"] = True
    transition(booking=booking, to_status=S.CANCELLED, actor=actor, reason=reason, metadata=metadata)
    release_tables(booking)
    return booking


@transaction.atomic
def booking_assign_tables(*, booking: Booking, table_ids: Iterable[int], actor: Actor) -> Booking:
    """Give tables to a booking; a pending one becomes confirmed (DESIGN 3, 4).

    The tables must belong to the booking's restaurant, be active, be free for the booking's time
    window and seat the party together. Runs under the same restaurant-and-date lock as creation,
    so two bookings can never take one table for overlapping times.
    """
    table_ids = list(dict.fromkeys(table_ids))
    if not table_ids:
        raise InvalidPayload({"tableIds": ["Give at least one table."]})
    booking = lock_booking_and_day(booking.pk)
    if booking.status not in Booking.PENDING_STATUSES and booking.status != S.CONFIRMED:
        raise InvalidTransition(booking.status, S.CONFIRMED)

    tables = list(Table.objects.filter(restaurant_id=booking.restaurant_id, is_active=True, pk__in=table_ids))
    if len(tables) != len(table_ids):
        unknown = sorted(set(table_ids) - {t.pk for t in tables})
        raise InvalidPayload({"tableIds": [f"Not an active table of this restaurant: {unknown}"]})
    seats = sum(t.max_seats for t in tables)
    if seats < booking.party_size:
        raise Conflict(
            f"The tables seat {seats}; the party is {booking.party_size}",
            code="TABLE_TOO_SMALL",
        )
    clashes = list(table_assignments_overlapping(booking=booking).filter(table__in=tables).select_related("table"))
    if clashes:
        names = ", ".join(sorted({a.table.name for a in clashes}))
        raise Conflict(f"Already taken at that time: {names}", code="TABLE_UNAVAILABLE")

    current = {a.table_id: a for a in TableAssignment.objects.filter(booking=booking, released_at__isnull=True)}
    stale = [a.pk for t_id, a in current.items() if t_id not in table_ids]
    if stale:
        TableAssignment.objects.filter(pk__in=stale).update(released_at=timezone.now())
    TableAssignment.objects.bulk_create(
        TableAssignment(booking=booking, table=t, assigned_by=staff_of(actor)) for t in tables if t.pk not in current
    )
    if booking.status in Booking.PENDING_STATUSES:
        transition(
            booking=booking,
            to_status=S.CONFIRMED,
            actor=actor,
            reason="tables_assigned",
            metadata={"tableIds": table_ids},
        )
    return booking


@transaction.atomic
def booking_decline(*, booking: Booking, actor: Actor, reason: str = "") -> Booking:
    """The restaurant turns a waiting request down: cancelled, history reason `declined` (the
    restaurant's words kept in the metadata for the guest's email). A booking past pending is 409."""
    booking = lock_booking(booking.pk)
    if booking.status not in Booking.PENDING_STATUSES:
        raise NotPending(booking.status)
    transition(
        booking=booking,
        to_status=S.CANCELLED,
        actor=actor,
        reason=DECLINED,
        metadata={"cancelledBy": "staff", "message": reason},
    )
    release_tables(booking)
    return booking


@transaction.atomic
def booking_expire(*, booking: Booking) -> bool:
    """A request nobody answered in time is cancelled by the clock (reason `expired`); False when it
    is no longer waiting (someone answered, or another run got there first)."""
    booking = lock_booking(booking.pk)
    if booking.status not in Booking.PENDING_STATUSES:
        return False
    transition(booking=booking, to_status=S.CANCELLED, actor=None, reason=EXPIRED, metadata={"cancelledBy": "staff"})
    release_tables(booking)
    return True


@transaction.atomic
def booking_close_day(*, booking: Booking, no_show: bool) -> str | None:
    """The end of the restaurant's day (DESIGN 11): checked in → completed (checked out at the later
    of the booking's end and its check-in), confirmed never seated → no-show when `no_show`; tables
    released. The same-day rule of staff actions does not bind the clock. Returns the new status,
    or None when there was nothing to do (another run got there first)."""
    booking = lock_booking(booking.pk)
    if booking.status == S.CHECKED_IN:
        assert booking.checked_in_at is not None  # held by the lifecycle timestamps check
        booking.checked_out_at = max(booking.end_at, booking.checked_in_at)
        transition(
            booking=booking, to_status=S.COMPLETED, actor=None, reason=END_OF_DAY, update_fields=["checked_out_at"]
        )
        release_tables(booking)
    elif booking.status == S.CONFIRMED and no_show:
        released = release_tables(booking)
        transition(
            booking=booking, to_status=S.NO_SHOW, actor=None, reason=END_OF_DAY, metadata={"releasedTableIds": released}
        )
    else:
        return None
    return booking.status
