"""The walk-in form (DESIGN 7). It renders and collects; `BookingInputSerializer` judges.

Field names are the ops API's JSON keys, so the serializer's errors land on the fields they name
and the business rules (name length, email, phone for the restaurant's country, dates, times, party,
notes) live once, in the serializer. Errors from the pipeline (capacity, opening hours, idempotency)
are shown above the form.
"""

from __future__ import annotations

import uuid

from django import forms

from bookings.models import Booking
from bookings.serializers import BookingInputSerializer
from bookings.services.creation import BookingRequest
from config.errors import ApplicationError
from config.forms import PageForm, html_attrs
from restaurants.selectors import restaurant_list_for_user

SOURCE_CHOICES = [(Booking.Source.WALK_IN.value, "Walk-in"), (Booking.Source.PHONE.value, "Phone")]


class WalkInForm(PageForm):
    restaurantId = forms.ModelChoiceField(queryset=None, label="Restaurant", empty_label=None)
    source = forms.ChoiceField(label="Taken", choices=SOURCE_CHOICES, initial=Booking.Source.WALK_IN.value)
    date = forms.CharField(label="Date", required=False, widget=forms.DateInput(html_attrs(type="date", required=True)))
    time = forms.CharField(label="Time", required=False, widget=forms.TimeInput(html_attrs(type="time", required=True)))
    party = forms.IntegerField(
        label="Party size", required=False, widget=forms.NumberInput(html_attrs(min=1, required=True))
    )
    bookingType = forms.ChoiceField(label="Booking type", choices=Booking.BookingType.choices)
    seating = forms.ChoiceField(label="Seating", choices=Booking.Seating.choices, initial=Booking.Seating.ANY)
    name = forms.CharField(
        label="Guest name", required=False, widget=forms.TextInput(html_attrs(required=True, autocomplete="off"))
    )
    email = forms.CharField(
        label="Email (optional)",
        required=False,
        widget=forms.EmailInput(html_attrs(autocomplete="off")),
        help_text="Without one, the notification goes to the restaurant's contact address.",
    )
    phone = forms.CharField(label="Phone (optional)", required=False, widget=forms.TextInput(html_attrs(type="tel")))
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(html_attrs(rows=3, maxlength=500)))
    marketingOptIn = forms.BooleanField(label="Guest agrees to marketing emails", required=False)
    idempotencyKey = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["restaurantId"].queryset = restaurant_list_for_user(user=user).order_by("name")
        self.booking_request: BookingRequest | None = None

    def payload(self) -> dict:
        """The ops API body this submission stands for (also what the idempotency fingerprint covers)."""
        data = self.cleaned_data
        body = {
            "restaurantId": str(data["restaurantId"].pk),
            "date": data["date"],
            "time": data["time"],
            "party": data["party"],
            "bookingType": data["bookingType"],
            "seating": data["seating"],
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "notes": data["notes"],
            "marketingOptIn": data["marketingOptIn"],
            "source": data["source"],
        }
        return {key: value for key, value in body.items() if value not in ("", None)}  # blank means not given

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        serializer = BookingInputSerializer(data=self.payload(), context={"channel": "ops", "user": self.user})
        if serializer.is_valid():
            self.booking_request = serializer.booking_request()
        else:
            self.add_api_errors(serializer.errors)
        return cleaned

    def add_pipeline_error(self, exc: ApplicationError) -> None:
        if "details" in exc.extra:
            self.add_api_errors(exc.extra["details"])
            return
        issues = [issue["message"] for issue in exc.extra.get("issues", [])]
        reasons = [str(reason).replace("_", " ") for reason in exc.extra.get("reasons", [])]
        self.add_error(None, [exc.message, *issues, *reasons])
