"""The ops booking filters (DESIGN 7), shared by the list and the status summary."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q

from bookings.models import Booking

# Offsets in use on Earth run from -12:00 to +14:00; PostgreSQL refuses an instant beyond ±15:59.
MAX_OFFSET = dt.timedelta(hours=14)


class OffsetDateTimeField(forms.DateTimeField):
    """An ISO 8601 datetime that names its UTC offset: a bare local time is ambiguous across restaurants.

    The value is the UTC instant. An offset beyond ±14:00, or an instant outside the calendar once
    in UTC (year 1 or 9999 at the edge), is a 400 with a sentence, never a database error.
    """

    default_error_messages = {
        "invalid": "Give an ISO 8601 datetime with a UTC offset, e.g. 2025-06-01T18:00:00+01:00.",
        "offset": "The UTC offset must be between -14:00 and +14:00.",
        "range": "The datetime is out of range.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        offset = parsed.utcoffset()
        if offset is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if abs(offset) > MAX_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset")
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["range"], code="range") from exc


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
