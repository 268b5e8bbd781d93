"""The guest pages' forms. They render and collect; the booking API's serializers judge (DESIGN 10).

Field names of the details form are the customer channel's JSON keys, so `BookingInputSerializer`'s
errors land on the fields they name and the rules (name, email, phone for the restaurant's country)
live once.
"""

from __future__ import annotations

import uuid

from django import forms

from bookings.models import Booking
from config.forms import PageForm, html_attrs


class SearchForm(PageForm):
    """Step one: the day and the party size (a GET form)."""

    date = forms.DateField(label="Date", widget=forms.DateInput(html_attrs(type="date"), format="%Y-%m-%d"))
    party = forms.IntegerField(label="Guests", min_value=1, max_value=500, widget=forms.NumberInput(html_attrs(min=1)))


class DetailsForm(PageForm):
    """Step three: who is coming. The chosen slot rides along in hidden fields."""

    hidden_api_fields = frozenset({"date", "time", "party", "bookingType", "idempotencyKey"})
    hidden_error = "The table you chose could not be read; please choose a time again."

    date = forms.CharField(widget=forms.HiddenInput)
    time = forms.CharField(widget=forms.HiddenInput)
    party = forms.IntegerField(widget=forms.HiddenInput)
    bookingType = forms.ChoiceField(choices=Booking.BookingType.choices, widget=forms.HiddenInput)
    name = forms.CharField(label="Your name", max_length=120, widget=forms.TextInput(html_attrs(autocomplete="name")))
    email = forms.CharField(label="Email", widget=forms.EmailInput(html_attrs(autocomplete="email")))
    phone = forms.CharField(label="Phone", widget=forms.TextInput(html_attrs(type="tel", autocomplete="tel")))
    notes = forms.CharField(
        label="Notes for the restaurant (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(html_attrs(rows=3, maxlength=500)),
        help_text="Allergies, a high chair, an occasion…",
    )
    marketingOptIn = forms.BooleanField(label="Send me news and offers from the restaurant", required=False)
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(html_attrs(autocomplete="off", tabindex="-1")),
    )
    idempotencyKey = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def payload(self, restaurant_slug: str) -> dict:
        """The `POST /api/bookings` body this submission stands for (what the fingerprint covers)."""
        data = self.cleaned_data
        return {
            "restaurantSlug": restaurant_slug,
            "date": data["date"],
            "time": data["time"],
            "party": data["party"],
            "bookingType": data["bookingType"],
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "notes": data["notes"],
            "marketingOptIn": data["marketingOptIn"],
        }


class ChangeForm(PageForm):
    """The manage page's new slot: a time button of the change page's slot list (hidden date and party)."""

    hidden_error = "That change could not be read; please choose a time again."

    date = forms.CharField(widget=forms.HiddenInput)
    time = forms.CharField(widget=forms.HiddenInput)
    party = forms.IntegerField(widget=forms.HiddenInput)

    def payload(self) -> dict:
        """The `PATCH /api/guest/bookings/{token}` body this submission stands for."""
        return {name: self.cleaned_data[name] for name in ("date", "time", "party")}


class ConsentForm(PageForm):
    marketingOptIn = forms.BooleanField(label="Send me news and offers from the restaurant", required=False)
