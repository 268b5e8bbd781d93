"""Guests in the admin: one restaurant's guest identities, their placeholders never shown as contacts.

A contactless walk-in's customer carries a placeholder email and phone (`bookings.contacts`, DESIGN
3). The list shows "no email given" / "no phone given" instead, and a filter tells placeholder
identities from real guests. A customer's restaurant is read-only once saved: the identity and its
bookings belong to that restaurant.

The change form stores email and phone as the services do (trimmed, lower-cased; E.164 for the
restaurant's country) and refuses an email or phone that another guest of the restaurant already
has with a sentence next to the field: the database's unique constraints would otherwise end the
save in an IntegrityError (the restaurant is read-only there, so Django's own unique check skips them).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.validators import validate_email

from bookings.contacts import (
    PLACEHOLDER_DOMAIN,
    is_placeholder_email,
    is_placeholder_phone,
    normalise_email,
    normalise_phone,
)
from bookings.models import Customer
from restaurants.admin import HistoryMixin, RestaurantScopedMixin


class CustomerAdminForm(forms.ModelForm):
    """The admin makes the form's Meta (model and fields) from this base."""

    def _restaurant(self):
        if self.instance.restaurant_id:
            return self.instance.restaurant
        return self.cleaned_data.get("restaurant")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if is_placeholder_email(email):
            return email
        email = normalise_email(email)
        validate_email(email)
        return email

    def clean(self):
        cleaned = super().clean()
        restaurant = self._restaurant()
        if restaurant is None:
            return cleaned
        phone = cleaned.get("phone")
        if phone and not is_placeholder_phone(phone):
            try:
                cleaned["phone"] = phone = normalise_phone(phone, region=restaurant.country)
            except ValueError as exc:
                self.add_error("phone", str(exc))
                phone = None
        others = Customer.objects.filter(restaurant=restaurant).exclude(pk=self.instance.pk)
        if (email := cleaned.get("email")) and others.filter(email=email).exists():
            self.add_error("email", "Another guest of this restaurant already has this email address.")
        if phone and others.filter(phone=phone).exists():
            self.add_error("phone", "Another guest of this restaurant already has this phone number.")
        return cleaned


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
class CustomerAdmin(RestaurantScopedMixin, HistoryMixin):
    """Its History page lists the changes to the guest identity and who made them (simple-history)."""

    form = CustomerAdminForm
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
