"""`BookingAdmin`: the Booking changelist is the ops board (DESIGN 7), the change page one booking.

What the board shows and what its buttons do live in `bookings.admin.board`; this module puts them
on screen: the columns, the day's heading, day links and counts per status, the "Seat walk-in"
control, and each row's buttons (only the actions that booking's status allows), which the booking's
own page offers too.

The host stand (DESIGN 7): the columns are what a host needs at the door (time, party, guest with
phone, seating and notes, status with the late flag, tables, actions); the source and where the
notifications go are on the booking's page. Columns do not sort (the board is the day in time
order) and the bulk actions sit below the list, so from the search box the first row's first action
is five Tab presses away: Search, select all, the row's checkbox, its time, its first button.

Decisions:
- Bookings are not added through the admin add form, by anyone: a booking must come through the
  creation pipeline (validation, guest identity, history, notification). "Add walk-in" links to the
  walk-in form, found by its URL name: a name is a string, so the bookings app still imports nothing
  of `opsportal` (DESIGN 2). Bookings are never deleted either: cancel them.
- On the change page only the staff notes and the seating preference are editable. Status, slot and
  contacts are read-only because changing them is a lifecycle step or a modification with its own
  service and notification.

Other apps' inlines: `register_booking_inline(inline_class)` adds an inline to every booking's change
page, after this app's own (table assignments, status history). It exists so that an app that knows
about bookings can show its rows on the booking's page while the bookings app imports nothing of it
(DESIGN 2). The notifications app fills it from its own `admin.py` with the notifications inline and
its "send again" buttons. Registration happens when the admin autodiscovers each app's `admin.py`;
`BookingAdmin.get_inlines()` reads the list on every request, and `check()` gives the registered
inlines the system checks Django gives `inlines`.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters, InlineModelAdmin
from django.contrib.admin.utils import quote
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from bookings.admin.board.actions import BOARD_ACTIONS, BoardAction, bulk_action
from bookings.admin.board.rows import guest_cell, is_earlier_finished, status_cell, when_cell
from bookings.admin.board.seat import PARTY_CHIPS, SEAT_URL_NAME, SeatWalkInMixin
from bookings.admin.board.state import BoardDayFilter, BoardRestaurantFilter, board_for
from bookings.admin.board.views import ACTION_URL_NAME, BoardActionsMixin
from bookings.admin.records import StatusHistoryInline, TableAssignmentInline
from bookings.contacts import Recipient
from bookings.models import Booking, TableAssignment
from bookings.selectors import booking_status_totals
from restaurants.admin import RestaurantScopedMixin

S = Booking.Status
WALK_IN_URL_NAME = "opsportal:walkin-new"
NOTIFIED_LABELS = {
    Recipient.GUEST: "guest",
    Recipient.RESTAURANT_FALLBACK: "restaurant (guest left no email)",
    Recipient.NONE: "none",
}

_registered_inlines: list[type[InlineModelAdmin]] = []


def register_booking_inline(inline: type[InlineModelAdmin]) -> type[InlineModelAdmin]:
    """Show `inline` on every booking's change page (see the module docstring); usable as a decorator."""
    if inline not in _registered_inlines:
        _registered_inlines.append(inline)
    return inline


@admin.register(Booking)
class BookingAdmin(SeatWalkInMixin, BoardActionsMixin, RestaurantScopedMixin, admin.ModelAdmin):
    # Per request around these: `when` first, the status (late against the board's today) after the
    # guest, the actions last.
    list_display = ["party", "guest", "tables"]
    sortable_by: list[str] = []
    actions_on_top, actions_on_bottom = False, True
    list_filter = [BoardRestaurantFilter, BoardDayFilter, "status", "source", "booking_type"]
    search_fields = ["reference", "customer_name", "customer_email", "customer_phone"]
    ordering = ["start_at"]
    list_per_page = 500  # a whole day on one page
    # The board shows one day: counting the restaurant's whole history for "N total" on every view
    # would grow with it (DESIGN 13); the day's counts per status are above the list anyway.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = [bulk_action(spec) for spec in BOARD_ACTIONS.values() if spec.on_row and spec.name != "assign"]
    inlines = [TableAssignmentInline, StatusHistoryInline]
    fieldsets = [
        (None, {"fields": ["reference", "restaurant", "status", "source", "created_by"]}),
        ("Slot", {"fields": ["booking_date", "start_time", "end_time", "start_at", "end_at", "party_size"]}),
        (
            "Guest",
            {"fields": ["customer", "customer_name", "notification_email", "customer_phone", "marketing_opt_in"]},
        ),
        ("Service", {"fields": ["booking_type", "seating_preference", "notes", "checked_in_at", "checked_out_at"]}),
        ("Request", {"classes": ["collapse"], "fields": ["details", "idempotency_key", "client_request_id"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]
    editable_fields = ("seating_preference", "notes")

    def get_readonly_fields(self, request, obj=None):
        fields = [f for _, options in self.fieldsets for f in options["fields"]]
        return [f for f in fields if f not in self.editable_fields]

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *_registered_inlines]

    def check(self, **kwargs):
        registered = [error for inline in _registered_inlines for error in inline(self.model, self.admin_site).check()]
        return [*super().check(**kwargs), *registered]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        active = TableAssignment.objects.filter(released_at__isnull=True).select_related("table")
        return (
            super()
            .get_queryset(request)
            .select_related("restaurant")  # the row buttons ask each booking's restaurant for its today
            .prefetch_related(Prefetch("table_assignments", queryset=active, to_attr="active_assignments"))
        )

    # --- columns ---
    @admin.display(description="party")
    def party(self, booking: Booking) -> int:
        return booking.party_size

    @admin.display(description="guest")
    def guest(self, booking: Booking) -> str:
        return guest_cell(booking)

    @admin.display(description="tables")
    def tables(self, booking: Booking) -> str:
        return ", ".join(a.table.name for a in booking.active_assignments) or "–"

    @admin.display(description="notification email")
    def notification_email(self, booking: Booking) -> str:
        """Placeholders are never shown as a contact (DESIGN 3)."""
        if booking.notification_recipient == Recipient.NONE:
            return "no email given (nothing is sent)"
        return f"{booking.customer_email} ({NOTIFIED_LABELS[booking.notification_recipient]})"

    def get_list_display(self, request):
        party, guest, tables = super().get_list_display(request)
        columns = self._board_columns(request)
        return [columns["when"], party, guest, columns["status"], tables, self._row_actions_column(request)]

    def get_list_display_links(self, request, list_display):
        return [list_display[0]]

    def _board_columns(self, request) -> dict:
        """The time (with the date in a search across every day) and the status (late flag)."""
        board = board_for(request)

        @admin.display(description="when")
        def when(booking: Booking) -> str:
            return when_cell(booking, with_date=board.day is None)

        @admin.display(description="status")
        def status(booking: Booking) -> str:
            return status_cell(booking, today=board.today)

        return {"when": when, "status": status}

    def _row_actions_column(self, request):
        """The buttons column; built per request for the CSRF-protected changelist form and filters."""
        preserved = self.get_preserved_filters(request)
        may_change = self.has_change_permission(request)

        @admin.display(description="actions")
        def row_actions(booking: Booking) -> str:
            if not may_change:
                return "–"
            specs = [spec for spec in BOARD_ACTIONS.values() if spec.on_row and spec.offered(booking)]
            return format_html_join(" ", "{}", ((self._action_button(booking, spec, preserved),) for spec in specs))

        return row_actions

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The booking's page offers the row's actions and changing the slot (`?_to=page`: back here)."""
        if obj is not None and self.has_change_permission(request, obj):
            obj.active_assignments = list(obj.table_assignments.filter(released_at__isnull=True))
            specs = [spec for spec in BOARD_ACTIONS.values() if spec.offered(obj)]
            context["board_actions"] = format_html_join(
                " ", "{}", ((self._action_button(obj, spec, "_to=page"),) for spec in specs)
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _action_url(self, booking: Booking, spec: BoardAction, query: str) -> str:
        """`query`: the board's preserved filters, or `_to=page` from the booking's page."""
        url = reverse(f"{self.admin_site.name}:{ACTION_URL_NAME}", args=[quote(booking.pk), spec.name])
        return f"{url}?{query}" if query else url

    def _action_button(self, booking: Booking, spec: BoardAction, preserved: str) -> str:
        url = self._action_url(booking, spec, preserved)
        if spec.form_class:
            return format_html('<a class="button tk-action" href="{}">{}</a>', url, spec.label)
        # A submit button of the changelist form (which carries the CSRF token): forms can't nest.
        return format_html(
            '<button type="submit" class="button tk-action" formaction="{}" formmethod="post">{}</button>',
            url,
            spec.label,
        )

    # --- the board around the list ---
    def changelist_restaurant(self, request):
        """The board shows one restaurant's day: its times in that restaurant's zone."""
        try:
            return board_for(request).restaurant
        except IncorrectLookupParameters:  # the changelist answers that itself (`?e=1`)
            return None

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, {"title": "Ops board", **(extra_context or {})})
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context.update(self._board_context(request, context["cl"]))
        return response

    def _board_context(self, request, cl) -> dict:
        board = board_for(request)
        context = {"board": board, "walk_in_url": reverse(WALK_IN_URL_NAME), "day_links": [], "status_counts": []}
        day_filter = next((spec for spec in cl.filter_specs if isinstance(spec, BoardDayFilter)), None)
        if day_filter is None:  # no restaurant to show
            return context
        context["day_links"] = list(day_filter.choices(cl))
        if board.day is None:
            return context
        if board.day == board.today and self.has_change_permission(request):
            context["seat"] = {"url": reverse(f"{self.admin_site.name}:{SEAT_URL_NAME}"), "chips": PARTY_CHIPS}
        context["earlier_count"] = sum(is_earlier_finished(b, today=board.today) for b in cl.result_list)
        counts = booking_status_totals(
            bookings=Booking.objects.filter(restaurant=board.restaurant, booking_date=board.day)
        )
        context["status_counts"] = [
            {
                "status": s.value,
                "label": s.label,
                "count": counts[s.value],
                "url": cl.get_query_string({"status__exact": s.value}),
            }
            for s in S
        ]
        return context
