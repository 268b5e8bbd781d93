"""The ops booking filters (DESIGN 7), shared by the list and the status summary."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q

from bookings.models import Booking


class OffsetDateTimeField(forms.DateTimeField):
    """An ISO 8601 datetime that names its UTC offset: a bare local time is ambiguous across restaurants."""

    default_error_messages = {
        "invalid": "Give an ISO 8601 datetime with a UTC offset, e.g. 2025-06-01T18:00:00+01:00.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if parsed.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class OffsetDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = OffsetDateTimeField


class StatusInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    pass


class BookingFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)
    statuses = StatusInFilter(field_name="status", choices=Booking.Status.choices, help_text="Comma-separated.")
    # `from` is inclusive and `to` exclusive, so consecutive ranges never count a booking twice.
    # (`from` is a Python keyword, hence the namespace assignment.)
    vars()["from"] = OffsetDateTimeFilter(field_name="start_at", lookup_expr="gte", help_text="startAt >= from.")
    to = OffsetDateTimeFilter(field_name="start_at", lookup_expr="lt", help_text="startAt < to.")
    query = django_filters.CharFilter(method="filter_query", help_text="Name, email, phone or reference.")

    class Meta:
        model = Booking
        fields: list[str] = []

    def filter_query(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(customer_name__icontains=value)
            | Q(customer_email__icontains=value)
            | Q(customer_phone__icontains=value)
            | Q(reference__icontains=value)
        )
