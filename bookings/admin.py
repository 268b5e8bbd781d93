"""The admin for guests and bookings; the Booking changelist is the ops board (DESIGN 7).

The board shows one restaurant's day: it opens on today in the restaurant's timezone (the user's
first membership, or the one chosen in the restaurant filter), steps a day back or forward or jumps
to `?booking_date=YYYY-MM-DD`, counts the day's bookings per status, and offers on each row only the
lifecycle actions that booking's status allows. Every action, row button or bulk, calls the lifecycle
service (`bookings.services.lifecycle`): the admin never sets a status. A refused transition is a
message on the board, never an error page.

Decisions:
- Bookings are not added through the admin add form, by anyone: a booking must come through the
  creation pipeline (validation, guest identity, history, notification). "Add walk-in" links to the
  walk-in form. Bookings are never deleted either: cancel them.
- On the change page only the staff notes and the seating preference are editable. Status, slot and
  contacts are read-only because changing them is a lifecycle step or a modification with its own
  service and notification.
- Other apps append to `BookingAdmin.inlines` / `BookingAdmin.actions` (plain lists), e.g. the
  notifications inline and its "send again" action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from bookings.contacts import PLACEHOLDER_DOMAIN, is_placeholder_phone
from bookings.models import Booking, BookingStatusChange, Customer, TableAssignment
from bookings.selectors import booking_status_totals, table_assignments_overlapping
from bookings.services import lifecycle
from config.errors import ApplicationError
from restaurants.admin import ReadOnlyMixin, RestaurantScopedMixin
from restaurants.models import Restaurant, Table
from restaurants.selectors import membership_list_for_user

S = Booking.Status
DAY_PARAM = "booking_date"
RESTAURANT_PARAM = "restaurant"
WALK_IN_URL = "/ops/bookings/new"
NOTIFIED_LABELS = {
    "guest": "guest",
    "restaurant_fallback": "restaurant (guest left no email)",
    "none": "none",
}


# --- Guests ------------------------------------------------------------------------------------
class PlaceholderIdentityFilter(admin.SimpleListFilter):
    """Contactless walk-ins get a placeholder identity (`bookings.contacts`)."""

    title = "placeholder identity"
    parameter_name = "placeholder"

    def lookups(self, request, model_admin):
        return [("yes", "Placeholder (contactless walk-in)"), ("no", "Real contact")]

    def queryset(self, request, queryset):
        placeholder = {"email__iendswith": f"@{PLACEHOLDER_DOMAIN}"}
        if self.value() == "yes":
            return queryset.filter(**placeholder)
        if self.value() == "no":
            return queryset.exclude(**placeholder)
        return queryset


@admin.register(Customer)
class CustomerAdmin(RestaurantScopedMixin, admin.ModelAdmin):
    list_display = ("full_name", "contact_email", "contact_phone", "restaurant", "marketing_opt_in", "created_at")
    list_filter = (PlaceholderIdentityFilter, ("restaurant", admin.RelatedOnlyFieldListFilter), "marketing_opt_in")
    list_select_related = ("restaurant",)
    search_fields = ("full_name", "email", "phone")
    readonly_fields = ("created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "restaurant") if obj else self.readonly_fields

    @admin.display(description="email", ordering="email")
    def contact_email(self, customer: Customer) -> str:
        return "no email given" if customer.is_placeholder else customer.email

    @admin.display(description="phone", ordering="phone")
    def contact_phone(self, customer: Customer) -> str:
        return "no phone given" if is_placeholder_phone(customer.phone) else customer.phone


# --- Read-only records of the lifecycle --------------------------------------------------------
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


# --- The board's restaurant and day ------------------------------------------------------------
@dataclass(frozen=True)
class Board:
    restaurants: list[Restaurant]
    restaurant: Restaurant | None
    today: dt.date | None
    day: dt.date | None  # None: a search across every day


def board_for(request) -> Board:
    """The restaurant and day the board shows for this request (read once per request)."""
    if not hasattr(request, "_ops_board"):
        if request.user.is_superuser:
            restaurants = list(Restaurant.objects.all())
        else:
            restaurants = [m.restaurant for m in membership_list_for_user(user=request.user)]
        chosen = request.GET.get(RESTAURANT_PARAM)
        restaurant = next((r for r in restaurants if str(r.pk) == chosen), restaurants[0] if restaurants else None)
        today = restaurant.today() if restaurant else None
        day = today
        if raw := request.GET.get(DAY_PARAM):
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError as exc:
                raise IncorrectLookupParameters(f"Not a date: {raw!r}") from exc
            if day in (dt.date.min, dt.date.max):  # no previous or next day to link to
                raise IncorrectLookupParameters(f"Out of range: {raw!r}")
        elif request.GET.get("q"):
            day = None
        request._ops_board = Board(restaurants=restaurants, restaurant=restaurant, today=today, day=day)
    return request._ops_board


class BoardFilter(admin.SimpleListFilter):
    """A filter whose choice always has a value (no "All"), read from `board_for`."""

    def __init__(self, request, params, model, model_admin):
        self.board = board_for(request)
        super().__init__(request, params, model, model_admin)

    def selected_value(self) -> str | None:
        raise NotImplementedError

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": value == self.selected_value(),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class BoardRestaurantFilter(BoardFilter):
    title = "restaurant"
    parameter_name = RESTAURANT_PARAM

    def lookups(self, request, model_admin):
        return [(str(r.pk), r.name) for r in self.board.restaurants]

    def selected_value(self):
        return str(self.board.restaurant.pk) if self.board.restaurant else None

    def queryset(self, request, queryset):
        return queryset.filter(restaurant=self.board.restaurant) if self.board.restaurant else queryset.none()


class BoardDayFilter(BoardFilter):
    title = "day"
    parameter_name = DAY_PARAM

    def lookups(self, request, model_admin):
        today = self.board.today
        if today is None:
            return []
        anchor = self.board.day or today
        one = dt.timedelta(days=1)
        return [
            ((anchor - one).isoformat(), "Previous day"),
            (today.isoformat(), "Today"),
            ((anchor + one).isoformat(), "Next day"),
        ]

    def selected_value(self):
        return self.board.day.isoformat() if self.board.day else None

    def queryset(self, request, queryset):
        return queryset if self.board.day is None else queryset.filter(booking_date=self.board.day)


# --- Lifecycle actions: one table for the row buttons, their pages and the bulk actions ---------
class BoardForm(forms.Form):
    def __init__(self, *args, booking: Booking | None, **kwargs):
        super().__init__(*args, **kwargs)


class AssignTablesForm(BoardForm):
    tables = forms.ModelMultipleChoiceField(
        queryset=Table.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Active tables of this restaurant that are free for the booking's time.",
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        super().__init__(*args, booking=booking, **kwargs)
        busy = table_assignments_overlapping(booking=booking).values("table_id")
        free = Table.objects.filter(restaurant_id=booking.restaurant_id, is_active=True).exclude(pk__in=busy)
        self.fields["tables"].queryset = free


class CancelForm(BoardForm):
    reason = forms.CharField(required=False, max_length=255, help_text="Optional, kept in the status history.")


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
            "Assign table & confirm",
            "tables assigned, confirmed",
            Booking.PENDING_STATUSES | {S.CONFIRMED},
            lambda b, actor, data: lifecycle.booking_assign_tables(
                booking=b, table_ids=[t.pk for t in data["tables"]], actor=actor
            ),
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
            "cancel",
            "Cancel",
            "cancelled",
            _reaching(S.CANCELLED),
            lambda b, actor, data: lifecycle.booking_cancel(booking=b, actor=actor, reason=data["reason"]),
            CancelForm,
        ),
    )
}


def _describe(exc: ApplicationError) -> str:
    details = exc.extra.get("details") or {}
    return "; ".join([exc.message, *(m for msgs in details.values() for m in msgs)])


def _bulk_name(spec: BoardAction) -> str:
    return f"bulk_{spec.name.replace('-', '_')}"


def _bulk_action(spec: BoardAction):
    """A changelist action running `spec` on each selected booking (after its page, if it has one)."""

    def run(modeladmin: BookingAdmin, request, queryset):
        return modeladmin.run_bulk(request, queryset, spec)

    run.__name__ = _bulk_name(spec)
    return admin.action(description=f"{spec.label} (selected bookings)", permissions=["change"])(run)


# --- The board ---------------------------------------------------------------------------------
@admin.register(Booking)
class BookingAdmin(RestaurantScopedMixin, admin.ModelAdmin):
    list_display = ["time_local", "party_size", "guest", "status_badge", "tables", "source", "notified"]
    list_display_links = ["time_local"]
    list_filter = [BoardRestaurantFilter, BoardDayFilter, "status", "source", "booking_type"]
    search_fields = ["reference", "customer_name", "customer_email", "customer_phone"]
    ordering = ["start_at"]
    list_per_page = 500  # a whole day on one page
    show_facets = admin.ShowFacets.NEVER
    actions = [_bulk_action(spec) for spec in BOARD_ACTIONS.values() if spec.name != "assign"]
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        active = TableAssignment.objects.filter(released_at__isnull=True).select_related("table")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("table_assignments", queryset=active, to_attr="active_assignments"))
        )

    # --- columns ---
    @admin.display(description="time", ordering="start_at")
    def time_local(self, booking: Booking) -> str:
        return f"{booking.start_time:%H:%M}–{booking.end_time:%H:%M}"

    @admin.display(description="guest", ordering="customer_name")
    def guest(self, booking: Booking) -> str:
        email = "no email given" if booking.notification_recipient != "guest" else booking.customer_email
        contact = " · ".join(c for c in (booking.customer_phone, email) if c)
        return format_html("{}<br><small>{} · {}</small>", booking.customer_name, booking.reference, contact)

    @admin.display(description="status", ordering="status")
    def status_badge(self, booking: Booking) -> str:
        return format_html('<span class="tk-status tk-{}">{}</span>', booking.status, booking.get_status_display())

    @admin.display(description="tables")
    def tables(self, booking: Booking) -> str:
        return ", ".join(a.table.name for a in booking.active_assignments) or "–"

    @admin.display(description="notification email")
    def notification_email(self, booking: Booking) -> str:
        """Placeholders are never shown as a contact (DESIGN 3)."""
        if booking.notification_recipient == "none":
            return "no email given (nothing is sent)"
        return f"{booking.customer_email} ({NOTIFIED_LABELS[booking.notification_recipient]})"

    @admin.display(description="notifications go to")
    def notified(self, booking: Booking) -> str:
        return NOTIFIED_LABELS[booking.notification_recipient]

    def get_list_display(self, request):
        return [*super().get_list_display(request), self._row_actions_column(request)]

    def _row_actions_column(self, request):
        """The buttons column; built per request for the CSRF-protected changelist form and filters."""
        preserved = self.get_preserved_filters(request)
        may_change = self.has_change_permission(request)

        @admin.display(description="actions")
        def row_actions(booking: Booking) -> str:
            if not may_change:
                return "–"
            specs = [spec for spec in BOARD_ACTIONS.values() if spec.offered(booking)]
            return format_html_join(" ", "{}", ((self._action_button(booking, spec, preserved),) for spec in specs))

        return row_actions

    def _action_url(self, booking: Booking, spec: BoardAction, preserved: str) -> str:
        url = reverse(f"{self.admin_site.name}:bookings_booking_board_action", args=[quote(booking.pk), spec.name])
        return f"{url}?{preserved}" if preserved else url

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
    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, {"title": "Ops board", **(extra_context or {})})
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context.update(self._board_context(request, context["cl"]))
        return response

    def _board_context(self, request, cl) -> dict:
        board = board_for(request)
        context = {"board": board, "walk_in_url": WALK_IN_URL, "day_links": [], "status_counts": []}
        day_filter = next((spec for spec in cl.filter_specs if isinstance(spec, BoardDayFilter)), None)
        if day_filter is None:  # no restaurant to show
            return context
        context["day_links"] = list(day_filter.choices(cl))
        if board.day is None:
            return context
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

    # --- lifecycle actions ---
    def get_urls(self):
        view = self.admin_site.admin_view(self.board_action_view)
        return [
            path("<path:object_id>/board/<slug:action>/", view, name="bookings_booking_board_action"),
            *super().get_urls(),
        ]

    def board_action_view(self, request, object_id: str, action: str):
        spec = BOARD_ACTIONS.get(action)
        booking = self.get_object(request, unquote(object_id))
        if spec is None or booking is None:
            raise Http404("No such booking or action.")
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        data: dict = {}
        if spec.form_class:
            if not spec.allowed(booking.status):
                self.message_user(
                    request,
                    f"{booking.reference}: not possible for a {booking.get_status_display()} booking.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(self._board_url(request, booking))
            form = spec.form_class(request.POST if request.method == "POST" else None, booking=booking)
            if not form.is_valid():
                return self._action_page(request, [booking], spec, form)
            data = form.cleaned_data
        elif request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._apply(request, [booking], spec, data)
        return HttpResponseRedirect(self._board_url(request, booking))

    def run_bulk(self, request, queryset, spec: BoardAction):
        """A bulk action; one with a page (cancel) shows its confirmation step first."""
        bookings = list(queryset)
        data: dict = {}
        if spec.form_class:
            form = spec.form_class(request.POST if "confirm" in request.POST else None, booking=None)
            if not form.is_valid():
                return self._action_page(request, bookings, spec, form, bulk_action=_bulk_name(spec))
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
                    request, f"{booking.reference} ({booking.customer_name}): {_describe(exc)}", messages.ERROR
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
        }
        return TemplateResponse(request, "admin/bookings/booking/board_action.html", context)

    def _board_url(self, request, booking: Booking | None) -> str:
        """Back to the board: the filters it was opened with, else the booking's day."""
        url = reverse(f"{self.admin_site.name}:bookings_booking_changelist")
        if preserved := request.GET.get("_changelist_filters"):
            return f"{url}?{preserved}"
        if booking is None:  # a bulk action runs on the board's own URL
            return request.get_full_path()
        return (
            f"{url}?{urlencode({DAY_PARAM: booking.booking_date.isoformat(), RESTAURANT_PARAM: booking.restaurant_id})}"
        )
