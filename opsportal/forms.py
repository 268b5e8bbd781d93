"""The walk-in form (DESIGN 7). It renders and collects; `BookingInputSerializer` judges.

Field names are the ops API's JSON keys, so the serializer's errors land on the fields they name
and the business rules (name length, email, phone for the restaurant's country, dates, times, party,
notes) live once, in the serializer. Errors from the pipeline (capacity, opening hours, idempotency)
are shown above the form.

The time is not typed (a browser's time box reads "2100" as 14:10 in some locales): it is one of the
bookable slots of the chosen restaurant, date and party (`bookings.availability` with the ops
channel's rules, so the slot containing now is offered), as radio buttons. The time already chosen
stays in the list even when it is no longer bookable (marked so), so an owner's override can take
it. When the pipeline finds the chosen slot full, the form offers the nearest free times as buttons
(`take_time`): one press sends the form again with that time.

Booking type: blank means the service period of the chosen slot (else by the hour), as seat-now.
Override: owners and managers (`may_override` of any membership) see a checkbox and a reason; the
pipeline still checks the membership of the chosen restaurant (a host asking gets 403).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms

from bookings.availability import Slot, availability, nearest_available
from bookings.models import Booking
from bookings.serializers import DATE_WINDOW, TIME_RE, BookingInputSerializer
from bookings.services.creation import BookingRequest
from config.errors import ApplicationError
from config.forms import PageForm, html_attrs
from restaurants.models import Restaurant
from restaurants.selectors import membership_list_for_user, restaurant_list_for_user

SOURCE_CHOICES = [(Booking.Source.WALK_IN.value, "Walk-in"), (Booking.Source.PHONE.value, "Phone")]
TYPE_CHOICES = [("", "From the time (service period)"), *Booking.BookingType.choices]
SLOT_INPUTS = ("restaurantId", "date", "party", "bookingType")


class WalkInForm(PageForm):
    restaurantId = forms.ModelChoiceField(queryset=None, label="Restaurant", empty_label=None)
    source = forms.ChoiceField(label="Taken", choices=SOURCE_CHOICES, initial=Booking.Source.WALK_IN.value)
    date = forms.CharField(label="Date", required=False, widget=forms.DateInput(html_attrs(type="date", required=True)))
    party = forms.IntegerField(
        label="Party size", required=False, widget=forms.NumberInput(html_attrs(min=1, required=True))
    )
    bookingType = forms.ChoiceField(label="Booking type", choices=TYPE_CHOICES, required=False)
    time = forms.CharField(label="Time", required=False, widget=forms.RadioSelect)
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
    override = forms.BooleanField(label="Override the booking rules (owners and managers)", required=False)
    overrideReason = forms.CharField(
        label="Reason for the override",
        required=False,
        max_length=255,
        help_text="Kept in the booking's history, e.g. “regulars, kitchen agreed”.",
    )
    idempotencyKey = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["restaurantId"].queryset = restaurant_list_for_user(user=user).order_by("name")
        self.booking_request: BookingRequest | None = None
        self.may_override = any(m.may_override for m in membership_list_for_user(user=user))
        if not self.may_override:
            del self.fields["override"], self.fields["overrideReason"]
        self.slots: list[Slot] = []
        self.suggestions: list[Slot] = []
        self.day: dt.date | None = None
        self._offer_slots()

    # --- the slots -------------------------------------------------------------------------------
    def _value(self, name: str):
        if self.is_bound:
            return self.data.get(name)
        value = self.initial.get(name, self.fields[name].initial)
        return value() if callable(value) else value

    def _offer_slots(self) -> None:
        """The time choices: the bookable slots of the restaurant, date and party asked for."""
        restaurant = self._restaurant()
        try:
            day = dt.date.fromisoformat(str(self._value("date") or ""))
            party = int(self._value("party") or 0)
        except ValueError:
            return
        if restaurant is None or party < 1:
            return
        today = restaurant.today()
        if not today - DATE_WINDOW[0] <= day <= today + DATE_WINDOW[1]:
            return
        self.day = day
        # An unknown type offers the slots of every type, as none does; the field itself refuses it.
        booking_type = self._value("bookingType")
        if not self.fields["bookingType"].valid_value(booking_type):
            booking_type = None
        self.slots = availability(
            restaurant=restaurant, day=day, party=party, booking_type=booking_type or None, web=False
        )
        chosen = self.chosen_time()
        choices = [(f"{s.time:%H:%M}", f"{s.time:%H:%M} · {s.booking_type}") for s in self.slots if s.available]
        if chosen and chosen not in {value for value, _ in choices}:
            choices.append((chosen, f"{chosen} · not bookable (override only)"))
            choices.sort()
        self.fields["time"].widget.choices = choices

    def _restaurant(self) -> Restaurant | None:
        raw = self._value("restaurantId")
        pk = getattr(raw, "pk", raw)
        try:
            return self.fields["restaurantId"].queryset.filter(pk=pk).first() if pk else None
        except (ValueError, TypeError, forms.ValidationError):
            return None

    def chosen_time(self) -> str | None:
        """The time the host chose: a pressed "next free time" button, else the radio."""
        value = (self._value("take_time") if self.is_bound else None) or self._value("time")
        return value if isinstance(value, str) and TIME_RE.match(value) else None

    # --- the body --------------------------------------------------------------------------------
    def payload(self) -> dict:
        """The ops API body this submission stands for (also what the idempotency fingerprint covers)."""
        data = self.cleaned_data
        time = self.chosen_time()
        booking_type = data["bookingType"] or next(
            (s.booking_type for s in self.slots if f"{s.time:%H:%M}" == time), ""
        )
        body = {
            "restaurantId": str(data["restaurantId"].pk),
            "date": data["date"],
            "time": time,
            "party": data["party"],
            "bookingType": booking_type,
            "seating": data["seating"],
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "notes": data["notes"],
            "marketingOptIn": data["marketingOptIn"],
            "source": data["source"],
        }
        if data.get("override"):
            body["override"] = {"apply": True, "reason": data.get("overrideReason", "")}
        return {key: value for key, value in body.items() if value not in ("", None)}  # blank means not given

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.chosen_time() is None:
            self.add_error("time", "Choose a time.")
            return cleaned
        if not self.payload().get("bookingType"):
            self.add_error("bookingType", "Choose a booking type for a time off the list.")
            return cleaned
        serializer = BookingInputSerializer(data=self.payload(), context={"channel": "ops", "user": self.user})
        if serializer.is_valid():
            self.booking_request = serializer.booking_request()
        else:
            errors = dict(serializer.errors)
            if isinstance(override := errors.pop("override", None), dict):
                errors["overrideReason"] = [m for messages in override.values() for m in messages]
            self.add_api_errors(errors)
        return cleaned

    def add_pipeline_error(self, exc: ApplicationError) -> None:
        if "details" in exc.extra:
            self.add_api_errors(exc.extra["details"])
            return
        issues = exc.extra.get("issues", [])
        if issues and issues[0].get("code") == "CAPACITY_EXCEEDED" and (time := self.chosen_time()):
            self.suggestions = nearest_available(self.slots, dt.time.fromisoformat(time))
        reasons = [str(reason).replace("_", " ") for reason in exc.extra.get("reasons", [])]
        self.add_error(None, [exc.message, *(issue["message"] for issue in issues), *reasons])
