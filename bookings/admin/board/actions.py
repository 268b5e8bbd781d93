"""The ops board's lifecycle actions: one table (`BOARD_ACTIONS`) for row buttons, pages and bulk.

Every action, row button or bulk, calls the lifecycle service (`bookings.services.lifecycle`): the
admin never sets a status. The statuses an action starts from come from the state machine itself
(`_reaching`), so a row offers no step the state machine forbids; `offer_when` also hides a
button the service would refuse for another reason (check-in off the reservation date) or that is
pointless (assigning tables to a confirmed booking that already holds some). A refused transition
is a message on the board, never an error page.

An action with a form (`bookings.admin.board.forms`: assign tables, decline a waiting request with a
reason for the guest, cancel saying who cancelled, change date, time or party) shows a page before
the change. Every row action but assign also runs in bulk on the selected rows, where the page of
decline or cancel confirms the whole selection; assign has no bulk version because its form lists the
tables free for one booking's time. Changing the slot (`modify`) is offered on the booking's page
only (`on_row=False`): it is not a step of service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.contrib import admin
from django.db.models import QuerySet
from django.template.response import TemplateResponse

from bookings.admin.board.forms import AssignTablesForm, BoardForm, CancelForm, DeclineForm, ModifyForm
from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.modification import booking_modify
from config.errors import ApplicationError

S = Booking.Status


def _reaching(to_status: str) -> frozenset[str]:
    """The statuses from which the state machine allows `to_status`."""
    return frozenset(s for s in lifecycle.TRANSITIONS if lifecycle.can_transition(s, to_status))


@dataclass(frozen=True)
class BoardAction:
    name: str
    label: str
    done: str
    from_statuses: frozenset[str]
    run: Callable[[Booking, object, dict], Booking]
    form_class: type[BoardForm] | None = None  # a page (form or confirmation step) before the change
    # A row shows the button only when this also holds (the service would refuse or it is pointless).
    offer_when: Callable[[Booking], bool] = lambda booking: True
    on_row: bool = True  # a button on the board's rows (and in bulk); else on the booking's page only

    def allowed(self, status: str) -> bool:
        return status in self.from_statuses

    def offered(self, booking: Booking) -> bool:
        return self.allowed(booking.status) and self.offer_when(booking)


def _without_tables(booking: Booking) -> bool:
    """Pending, or confirmed but holding no table (an undone no-show whose tables went to others)."""
    return booking.status in Booking.PENDING_STATUSES or not booking.active_assignments


BOARD_ACTIONS: dict[str, BoardAction] = {
    action.name: action
    for action in (
        BoardAction(
            "assign",
            "Assign table",
            "tables assigned, confirmed",
            Booking.PENDING_STATUSES | {S.CONFIRMED},
            lambda b, actor, data: lifecycle.booking_assign_tables(booking=b, table_ids=data["table_ids"], actor=actor),
            AssignTablesForm,
            offer_when=_without_tables,
        ),
        BoardAction(
            "check-in",
            "Check in",
            "checked in",
            _reaching(S.CHECKED_IN),
            lambda b, actor, data: lifecycle.booking_check_in(booking=b, actor=actor),
            offer_when=lifecycle.is_service_day,
        ),
        BoardAction(
            "check-out",
            "Check out",
            "checked out",
            _reaching(S.COMPLETED),
            lambda b, actor, data: lifecycle.booking_check_out(booking=b, actor=actor),
        ),
        BoardAction(
            "no-show",
            "No-show",
            "marked no-show",
            _reaching(S.NO_SHOW),
            lambda b, actor, data: lifecycle.booking_mark_no_show(booking=b, actor=actor),
            offer_when=lifecycle.is_service_day,
        ),
        BoardAction(
            "undo-no-show",
            "Undo no-show",
            "no-show undone",
            _reaching(S.CONFIRMED) - Booking.PENDING_STATUSES,
            lambda b, actor, data: lifecycle.booking_undo_no_show(booking=b, actor=actor),
            offer_when=lifecycle.is_service_day,
        ),
        BoardAction(
            "decline",
            "Decline",
            "declined",
            Booking.PENDING_STATUSES,
            lambda b, actor, data: lifecycle.booking_decline(booking=b, actor=actor, reason=data["reason"]),
            DeclineForm,
        ),
        BoardAction(
            "cancel",
            "Cancel",
            "cancelled",
            _reaching(S.CANCELLED),
            lambda b, actor, data: lifecycle.booking_cancel(
                booking=b, actor=actor, reason=data["reason"], by_guest=data["cancelled_by"] == "guest"
            ),
            CancelForm,
        ),
        BoardAction(
            "modify",
            "Change date, time or party",
            "changed",
            Booking.PENDING_STATUSES | {S.CONFIRMED},
            lambda b, actor, data: booking_modify(
                booking=b,
                actor=actor,
                booking_date=data["booking_date"],
                start_time=data["start_time"],
                party_size=data["party_size"],
            ),
            ModifyForm,
            on_row=False,
        ),
    )
}


def describe_refusal(exc: ApplicationError) -> str:
    """A refusal as one line for the board's messages: the reason, then each detail."""
    details = exc.extra.get("details") or {}
    return "; ".join([exc.message, *(m for msgs in details.values() for m in msgs)])


def bulk_name(spec: BoardAction) -> str:
    return f"bulk_{spec.name.replace('-', '_')}"


class BulkRunner(Protocol):
    """The model admin a bulk action runs in (`BookingAdmin`; not imported, it imports this module)."""

    def run_bulk(self, request, queryset: QuerySet[Booking], spec: BoardAction) -> TemplateResponse | None: ...


def bulk_action(spec: BoardAction) -> Callable:
    """A changelist action running `spec` on each selected booking (after its page, if it has one)."""

    def run(modeladmin: BulkRunner, request, queryset: QuerySet[Booking]) -> TemplateResponse | None:
        return modeladmin.run_bulk(request, queryset, spec)

    run.__name__ = bulk_name(spec)
    return admin.action(description=f"{spec.label} (selected bookings)", permissions=["change"])(run)
