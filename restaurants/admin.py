"""Admin for restaurants and their staff, and the tenant scoping every Tablekeeper admin shares.

A superuser sees everything. Anyone else sees only the restaurants of their memberships
(`restaurant_list_for_user`): every queryset, every foreign-key dropdown and every inline is scoped,
so another restaurant's object id in a change URL is a 404. Editing a restaurant's settings, hours,
periods, tables, table groups and turn times needs the model permission (role groups,
`restaurants.services`) AND an owner or manager membership of that very restaurant, because
Django's permissions are global while roles are per restaurant.

Owner set-up (DESIGN 7): the restaurant's page has timezone and country lists
(`restaurants.forms`), labelled inline fields, errors as sentences (the models' constraint
messages), an "Invite staff" page (`staff_invite`) for its owners and managers, and a "History"
page listing the changes to the restaurant and its hours, periods, tables and staff with who made
them (django-simple-history; the middleware records the signed-in user).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_safe
from simple_history.admin import SimpleHistoryAdmin

from config.errors import ApplicationError
from restaurants.forms import InviteForm, LabelledInlineFormSet, OpeningHoursFormSet, RestaurantSettingsForm
from restaurants.models import Membership, OpeningHours, Restaurant, ServicePeriod, Table, TableGroup, TurnTime
from restaurants.selectors import restaurant_list_for_user
from restaurants.services import membership_grant, membership_revoke, roles_grantable_by, staff_invite


def _roles(request) -> dict:
    """{restaurant_id: role} of the signed-in user, read once per request."""
    if not hasattr(request, "_tablekeeper_roles"):
        request._tablekeeper_roles = dict(
            Membership.objects.filter(user=request.user).values_list("restaurant_id", "role")
        )
    return request._tablekeeper_roles


def object_key(model: type[Model], raw: str):
    """The primary key an admin URL or form names, or None when it is not even shaped like one."""
    try:
        return model._meta.pk.to_python(unquote(raw))
    except ValidationError:
        return None


def _restaurant_id(obj: Model):
    return obj.pk if isinstance(obj, Restaurant) else obj.restaurant_id


def scope_to_user(queryset: QuerySet, request, restaurant_path: str) -> QuerySet:
    """Keep the rows whose restaurant (reached by `restaurant_path`) the user works for."""
    if request.user.is_superuser:
        return queryset
    return queryset.filter(**{f"{restaurant_path}__in": restaurant_list_for_user(user=request.user)})


class RestaurantScopedMixin:
    """Scopes a ModelAdmin or inline to the user's restaurants; see the module docstring.

    `restaurant_path` leads from the model to its Restaurant. With `settings_of_restaurant`, only
    owners and managers of the object's restaurant may add, change or delete it.

    Times: a change page renders in its object's restaurant's timezone, a list in the timezone of
    the one restaurant it shows (`changelist_restaurant`: the user's only restaurant, or the one
    the list is filtered to); a list across restaurants with different zones stays in UTC. Each
    instant is shown with its zone's name (config/formats), so a time never reads as another zone's.
    """

    restaurant_path = "restaurant"
    settings_of_restaurant = False

    def restaurant_of(self, obj: Model) -> Restaurant | None:
        for part in self.restaurant_path.split("__"):
            if part != "pk":
                obj = getattr(obj, part, None)
        return obj if isinstance(obj, Restaurant) else None

    def changelist_restaurant(self, request) -> Restaurant | None:
        chosen = request.GET.get(f"{self.restaurant_path}__id__exact") or request.GET.get("restaurant")
        restaurants = (
            Restaurant.objects.all() if request.user.is_superuser else restaurant_list_for_user(user=request.user)
        )
        if chosen:
            key = object_key(Restaurant, chosen)
            restaurants = restaurants.filter(pk=key) if key is not None else restaurants.none()
        zones = {r.timezone: r for r in restaurants[:50]}
        return next(iter(zones.values())) if len(zones) == 1 else None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None and (restaurant := self.restaurant_of(obj)) is not None:
            request.restaurant_timezone = restaurant.tz
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if (restaurant := self.changelist_restaurant(request)) is not None:
            request.restaurant_timezone = restaurant.tz
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request, self.restaurant_path)

    def response_action(self, request, queryset):
        """A selected id that is no key selects nothing (Django's own `pk__in` would raise: a 500)."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        keys = [raw for raw in selected if object_key(self.model, raw) is not None]
        if keys != selected:
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, keys)
        return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            choices = self._scoped_choices(db_field.related_model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _scoped_choices(self, related, request) -> QuerySet | None:
        """Dropdown rows of the user's restaurants (only their admin ones for restaurant settings)."""
        if related is Restaurant:
            choices = restaurant_list_for_user(user=request.user)
            if self.settings_of_restaurant:
                choices = choices.filter(pk__in=self._admin_restaurant_ids(request))
            return choices
        if any(f.name == "restaurant" for f in related._meta.get_fields()):
            return scope_to_user(related._default_manager.all(), request, "restaurant")
        return None

    def _admin_restaurant_ids(self, request) -> set:
        return {rid for rid, role in _roles(request).items() if role in Membership.ADMIN_ROLES}

    def _may_edit(self, request, obj) -> bool:
        """`obj` is the edited object, or for an inline the parent; None means "some object"."""
        if not self.settings_of_restaurant or request.user.is_superuser:
            return True
        if obj is None:
            return bool(self._admin_restaurant_ids(request))
        return _restaurant_id(obj) in self._admin_restaurant_ids(request)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._may_edit(request, args[0] if args else None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)


class ReadOnlyMixin:
    """Shown, never written through the admin (a service owns the writes)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RestaurantSettingsInline(RestaurantScopedMixin, admin.TabularInline):
    settings_of_restaurant = True
    extra = 0
    formset = LabelledInlineFormSet


class OpeningHoursInline(RestaurantSettingsInline):
    model = OpeningHours
    formset = OpeningHoursFormSet


class ServicePeriodInline(RestaurantSettingsInline):
    model = ServicePeriod


class TableInline(RestaurantSettingsInline):
    model = Table


class TableGroupForm(forms.ModelForm):
    class Meta:
        model = TableGroup
        fields = ("name", "tables", "min_seats", "max_seats")

    def clean_tables(self):
        tables = self.cleaned_data["tables"]
        if len(tables) < 2:
            raise forms.ValidationError("A group joins two or more tables.")
        return tables


class TableGroupInline(RestaurantSettingsInline):
    model = TableGroup
    form = TableGroupForm
    fields = ("name", "tables", "min_seats", "max_seats")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        """Only this restaurant's tables; none on an add page, where the restaurant has no tables yet."""
        if db_field.name == "tables":
            restaurant_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Table.objects.filter(is_active=True, restaurant_id=restaurant_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TurnTimeInline(RestaurantSettingsInline):
    model = TurnTime


class MembershipInline(ReadOnlyMixin, RestaurantScopedMixin, admin.TabularInline):
    """Who works here; granted and revoked in the Membership admin, which calls the services."""

    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields


class HistoryMixin(SimpleHistoryAdmin):
    """The admin's History page lists the model's change history rows (who, when, what changed).

    simple-history's pages are held to the admin's own rules: only an object of the user's
    restaurants (`get_queryset`), and a past version is shown, never saved (its page would save
    the form posted to it, past the change page's role checks and services): 405.
    """

    def visible_or_404(self, request, object_id):
        """The object of this URL among the user's, else 404 (an id not even shaped like a key too)."""
        return get_object_or_404(self.get_queryset(request), pk=object_key(self.model, object_id))

    def history_view(self, request, object_id, extra_context=None):
        self.visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    @method_decorator(require_safe)
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.visible_or_404(request, object_id)
        # simple-history finds the version of this object (else 404); a version id that is no key
        # (None) finds none, where the raw text would raise.
        version = object_key(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version, extra_context)


@admin.register(Restaurant)
class RestaurantAdmin(RestaurantScopedMixin, HistoryMixin):
    restaurant_path = "pk"
    settings_of_restaurant = True
    form = RestaurantSettingsForm
    change_form_template = "admin/restaurants/restaurant/change_form.html"
    object_history_template = "admin/restaurants/restaurant/object_history.html"
    list_display = ("name", "slug", "timezone", "contact_email", "contact_phone", "is_active")
    list_filter = ("is_active", "timezone", "country")
    search_fields = ("name", "slug", "contact_email", "address")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [
        OpeningHoursInline,
        ServicePeriodInline,
        TableInline,
        TableGroupInline,
        TurnTimeInline,
        MembershipInline,
    ]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "timezone", "country"]}),
        ("Contact", {"fields": ["contact_email", "contact_phone", "address", "booking_policy"]}),
        ("Slots", {"fields": ["reservation_interval_minutes", "last_seating_buffer_minutes"]}),
        (
            "Online bookings",
            {
                "fields": [
                    "booking_window_days",
                    "min_notice_minutes",
                    "max_online_party",
                    "guest_change_cutoff_minutes",
                ]
            },
        ),
        (
            "Allocation, reminders and reviews",
            {
                "fields": [
                    "auto_allocate",
                    "pending_attention_minutes",
                    "request_expiry_hours",
                    "reminders_enabled",
                    "auto_no_show",
                    "review_request_hours",
                    "review_url",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        invite = self.admin_site.admin_view(self.invite_view)
        return [path("<path:object_id>/invite/", invite, name="restaurants_restaurant_invite"), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["may_invite"] = bool(roles_grantable_by(user=request.user, restaurant=obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The restaurant's own changes, then those of its hours, periods, tables and staff."""
        restaurant = self.visible_or_404(request, object_id)
        related = [
            (model._meta.verbose_name_plural.capitalize(), model.history.filter(restaurant_id=restaurant.pk))
            for model in (OpeningHours, ServicePeriod, Table, Membership)
        ]
        related = [(title, list(rows.select_related("history_user")[:50])) for title, rows in related]
        return super().history_view(request, object_id, {"related_history": related, **(extra_context or {})})

    def invite_view(self, request, object_id):
        """Invite staff by email (owners and managers of this restaurant; see `staff_invite`)."""
        restaurant = self.visible_or_404(request, object_id)
        roles = roles_grantable_by(user=request.user, restaurant=restaurant)
        if not roles:
            raise PermissionDenied
        form = InviteForm(request.POST or None, roles=roles)
        if request.method == "POST" and form.is_valid():
            try:
                membership = staff_invite(
                    restaurant=restaurant,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    name=form.cleaned_data["name"],
                    invited_by=request.user,
                )
            except ApplicationError as exc:
                details = exc.extra.get("details", {})
                form.add_error(None, [m for ms in details.values() for m in ms] or exc.message)
            else:
                self.message_user(
                    request,
                    f"Invited {membership.user.email} as {membership.get_role_display()}: the email is on its way.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:restaurants_restaurant_change", args=[restaurant.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Invite staff to {restaurant.name}",
            "restaurant": restaurant,
            "form": form,
        }
        return TemplateResponse(request, "admin/restaurants/restaurant/invite.html", context)


@admin.register(OpeningHours)
class OpeningHoursAdmin(RestaurantScopedMixin, HistoryMixin):
    settings_of_restaurant = True
    list_display = ("restaurant", "weekday", "date", "opens_at", "closes_at", "is_closed")
    list_filter = (("restaurant", admin.RelatedOnlyFieldListFilter), "weekday", "is_closed")
    list_select_related = ("restaurant",)


@admin.register(ServicePeriod)
class ServicePeriodAdmin(RestaurantScopedMixin, HistoryMixin):
    settings_of_restaurant = True
    list_display = ("restaurant", "name", "weekday", "start_time", "end_time")
    list_filter = (("restaurant", admin.RelatedOnlyFieldListFilter), "name")
    list_select_related = ("restaurant",)


@admin.register(Table)
class TableAdmin(RestaurantScopedMixin, HistoryMixin):
    settings_of_restaurant = True
    list_display = ("name", "restaurant", "section", "min_seats", "max_seats", "is_active")
    list_filter = (("restaurant", admin.RelatedOnlyFieldListFilter), "section", "is_active")
    list_select_related = ("restaurant",)
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(RestaurantScopedMixin, HistoryMixin):
    """Granting and revoking go through the services, which keep staff flag and groups in step."""

    list_display = ("user", "restaurant", "role", "created_at")
    list_filter = (("restaurant", admin.RelatedOnlyFieldListFilter), "role")
    list_select_related = ("user", "restaurant")
    search_fields = ("user__username", "user__email", "restaurant__name")
    autocomplete_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "restaurant", "created_at") if obj else ("created_at",)

    def save_model(self, request, obj, form, change):
        granted = membership_grant(user=obj.user, restaurant=obj.restaurant, role=obj.role)
        obj.pk, obj.created_at = granted.pk, granted.created_at  # the admin's messages and log use obj

    def delete_model(self, request, obj):
        membership_revoke(membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            membership_revoke(membership=membership)
