"""The restaurant settings' forms in the admin (DESIGN 7 "Owner set-up").

- Timezone and country are chosen from lists, never typed: every IANA zone Python knows
  (`zoneinfo.available_timezones`) and every region the phone-number library reads, by name.
- Tabular inlines (hours, periods, tables, groups, turn times) label each field only by its column
  header, which a screen reader does not tie to the input; `LabelledInlineFormSet` gives every
  field of every row an accessible name ("Max seats (table, row 2)").
- `InviteForm`: whom to invite and with which role (only the roles the inviter may grant).
"""

from __future__ import annotations

import zoneinfo

import phonenumbers
from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst

from restaurants.countries import COUNTRY_NAMES
from restaurants.models import Membership, Restaurant, validate_country


def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [(zone, zone.replace("_", " ")) for zone in zones]


def country_choices() -> list[tuple[str, str]]:
    regions = sorted(phonenumbers.SUPPORTED_REGIONS, key=lambda code: COUNTRY_NAMES.get(code, code))
    return [(code, f"{COUNTRY_NAMES.get(code, code)} ({code})") for code in regions]


class RestaurantSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=timezone_choices, help_text="Dates and times of bookings are in this zone.")
    country = forms.ChoiceField(
        choices=country_choices, validators=[validate_country], help_text="Phone numbers are read for this country."
    )

    class Meta:
        model = Restaurant
        fields = ["timezone", "country"]  # the admin adds the rest of its fieldsets

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A zone stored before the list existed (Etc/..., an alias) stays choosable.
        current = self.instance.timezone if self.instance.pk else None
        if current and current not in dict(self.fields["timezone"].choices):
            self.fields["timezone"].choices = [(current, current), *self.fields["timezone"].choices]


class LabelledInlineFormSet(BaseInlineFormSet):
    """Every field of a tabular inline row gets an accessible name (see the module docstring)."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        row = "new row" if index is None else f"row {index + 1}"
        what = self.model._meta.verbose_name
        for name, field in form.fields.items():
            label = "Delete" if name == "DELETE" else capfirst(str(field.label or name))
            # The admin wraps relation widgets ("add another" links): the inner widget is rendered.
            widget = getattr(field.widget, "widget", field.widget)
            widget.attrs = {**widget.attrs, "aria-label": f"{label} ({what}, {row})"}


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", help_text="The invitation and the set-password link go here.")
    name = forms.CharField(label="Name (optional)", required=False, max_length=150)
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect)

    def __init__(self, *args, roles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Membership.Role.choices)
        self.fields["role"].choices = [(role, labels[role].capitalize()) for role in roles]
        if Membership.Role.HOST in roles:
            self.fields["role"].initial = Membership.Role.HOST


class OpeningHoursFormSet(LabelledInlineFormSet):
    """One row per weekday and one per date, checked across the rows on the page and any saved
    since it was opened: two rows for one weekday would otherwise reach the database's unique
    constraint and fail there instead of reading as a sentence."""

    def clean(self) -> None:
        super().clean()
        on_page = [form.instance.pk for form in self.forms if form.instance.pk]
        # Rows saved since this page was opened (another tab) are not on it, but count too.
        elsewhere = self.model.objects.filter(restaurant_id=self.instance.pk).exclude(pk__in=on_page)
        seen: set[tuple[str, object]] = {
            ("date", day) if day else ("weekday", weekday) for day, weekday in elsewhere.values_list("date", "weekday")
        }
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
                continue
            day, weekday = form.cleaned_data.get("date"), form.cleaned_data.get("weekday")
            key = ("date", day) if day else ("weekday", weekday)
            if key[1] is None:
                continue
            if key in seen:
                what = "That date" if day else "That weekday"
                form.add_error("date" if day else "weekday", f"{what} already has opening hours.")
            seen.add(key)
