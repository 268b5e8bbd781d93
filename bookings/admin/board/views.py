"""The ops board's action views, mixed into `BookingAdmin`: the row buttons' URL and pages, bulk runs.

Each row button posts to (or, with a form, opens) `<booking>/board/<action>/`; the bulk actions run
the same `BOARD_ACTIONS` entries on the selected rows. Both end in `_apply`, which calls the
lifecycle service once per booking: what changed is one success message, each refusal its own error
message on the board, never an error page. A row button without a page is POST only, so a GET of
its URL changes nothing (405). A refusal of one booking's form action (a table taken meanwhile, a
slot full) shows its form again with the reason, so the host can choose again; if the booking has
moved on meanwhile (another host checked it in), the refusal is a message on the board.

After an action the board comes back as it was opened (`_changelist_filters`), or on the booking's
day, at the booking's row (`#booking-<id>`): without JavaScript the host lands where they were. With
JavaScript the board's script (`bookings/board.js`) makes the same requests with fetch and swaps the
row in place. An action started from the booking's own page (`?_to=page`) returns there.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from bookings.admin.board.actions import BOARD_ACTIONS, BoardAction, bulk_name, describe_refusal
from bookings.admin.board.rows import row_id
from bookings.admin.board.state import DAY_PARAM, RESTAURANT_PARAM
from bookings.models import Booking
from config.errors import ApplicationError

ACTION_URL_NAME = "bookings_booking_board_action"


class BoardActionsMixin:
    """For `BookingAdmin`: the board action view at its own URL, and `run_bulk` for the bulk actions."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.board_action_view)
        return [
            path("<path:object_id>/board/<slug:action>/", view, name=ACTION_URL_NAME),
            *super().get_urls(),
        ]

    def board_action_view(self, request, object_id: str, action: str):
        spec = BOARD_ACTIONS.get(action)
        # An unknown action finds no booking: the same 404 as a booking this user may not see.
        bookings = self.get_queryset(request) if spec else Booking.objects.none()
        booking = get_object_or_404(bookings, pk=self._pk_or_none(object_id))
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        if spec.form_class is None:
            return self._act_now(request, booking, spec)
        if not spec.allowed(booking.status):
            self.message_user(
                request,
                f"{booking.reference}: not possible for a {booking.get_status_display()} booking.",
                messages.ERROR,
            )
            return redirect(self._board_url(request, booking))
        form = spec.form_class(request.POST if request.method == "POST" else None, booking=booking)
        if not form.is_valid():
            return self._action_page(request, [booking], spec, form)
        try:
            spec.run(booking, request.user, form.cleaned_data)
        except ApplicationError as exc:
            booking.refresh_from_db(fields=["status"])
            if not spec.allowed(booking.status):  # someone else moved it on meanwhile: back to the board
                refusal = f"{booking.reference} ({booking.customer_name}): {describe_refusal(exc)}"
                self.message_user(request, refusal, messages.ERROR)
                return redirect(self._board_url(request, booking))
            form.add_error(None, describe_refusal(exc))
            return self._action_page(request, [booking], spec, form)
        self.message_user(
            request, f"{spec.done.capitalize()}: {booking.reference} ({booking.customer_name}).", messages.SUCCESS
        )
        return redirect(self._board_url(request, booking))

    @method_decorator(require_POST)
    def _act_now(self, request, booking: Booking, spec: BoardAction):
        """A row button without a page changes the booking at once, so only a POST may (else 405)."""
        self._apply(request, [booking], spec, {})
        return redirect(self._board_url(request, booking))

    def _pk_or_none(self, object_id: str):
        """The id from the URL as a primary key; None (no booking) when malformed, as `get_object` does."""
        try:
            return self.opts.pk.to_python(unquote(object_id))
        except (ValidationError, ValueError):
            return None

    def run_bulk(self, request, queryset: QuerySet[Booking], spec: BoardAction) -> TemplateResponse | None:
        """A bulk action; one with a page (cancel) shows its confirmation step first."""
        bookings = list(queryset)
        data: dict = {}
        if spec.form_class:
            form = spec.form_class(request.POST if "confirm" in request.POST else None, booking=None)
            if not form.is_valid():
                return self._action_page(request, bookings, spec, form, bulk_action=bulk_name(spec))
            data = form.cleaned_data
        self._apply(request, bookings, spec, data)
        return None

    def _apply(self, request, bookings: list[Booking], spec: BoardAction, data: dict) -> None:
        """Run the service per booking; report what changed and, one by one, what was refused."""
        done = []
        for booking in bookings:
            try:
                spec.run(booking, request.user, data)
            except ApplicationError as exc:
                self.message_user(
                    request, f"{booking.reference} ({booking.customer_name}): {describe_refusal(exc)}", messages.ERROR
                )
            else:
                done.append(f"{booking.reference} ({booking.customer_name})")
        if done:
            self.message_user(request, f"{spec.done.capitalize()}: {', '.join(done)}.", messages.SUCCESS)

    def _action_page(self, request, bookings, spec: BoardAction, form, bulk_action: str = "") -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{spec.label}: {', '.join(b.reference for b in bookings)}",
            "spec": spec,
            "bookings": bookings,
            "form": form,
            "bulk_action": bulk_action,
            "board_url": self._board_url(request, bookings[0] if len(bookings) == 1 else None),
            "back_label": "Back to the booking" if request.GET.get("_to") == "page" else "Back to the board",
        }
        return TemplateResponse(request, "admin/bookings/booking/board_action.html", context)

    def _board_url(self, request, booking: Booking | None) -> str:
        """Back to the board at the booking's row: the filters it was opened with, else the booking's
        day; or back to the booking's page when the action started there."""
        if booking is not None and request.GET.get("_to") == "page":
            return reverse(f"{self.admin_site.name}:bookings_booking_change", args=[quote(booking.pk)])
        url = reverse(f"{self.admin_site.name}:bookings_booking_changelist")
        if booking is None:  # a bulk action runs on the board's own URL
            return request.get_full_path()
        anchor = f"#{row_id(booking)}"
        if preserved := request.GET.get("_changelist_filters"):
            return f"{url}?{preserved}{anchor}"
        day = {DAY_PARAM: booking.booking_date.isoformat(), RESTAURANT_PARAM: booking.restaurant_id}
        return f"{url}?{urlencode(day)}{anchor}"
