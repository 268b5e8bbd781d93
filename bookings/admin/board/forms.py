"""The pages before a board action: choose tables, say why a request is declined, who cancelled, a new slot.

- Assign: the free tables and joinable groups that seat the party at the booking's time, best fit
  first, with sections and seats (`bookings.seating`): a table too small is not offered, a wasteful
  one says so. Below, for the odd evening, any free tables to combine by hand (the service still
  refuses a combination that does not seat the party).
- Cancel asks who cancelled (DESIGN 7): the guest (they hear `guest_cancellation`) or the restaurant
  (`restaurant_cancellation`). There is no default: the host answers the question.
- Modify: a new date, time or party through `booking_modify` (DESIGN 4), on the booking's page. The
  time is typed as HH:MM on the 24-hour clock (a text box, not the browser's time widget, whose
  locale can read "2100" as 14:10).
"""

from __future__ import annotations

from django import forms

from bookings.models import Booking
from bookings.seating import parse_choice, seat_choices_for
from bookings.selectors import table_assignments_overlapping
from restaurants.models import Table

CANCELLED_BY = [("guest", "The guest"), ("restaurant", "The restaurant")]


class BoardForm(forms.Form):
    def __init__(self, *args, booking: Booking | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.booking = booking


class TableChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Table) -> str:
        return f"{obj.name} · {obj.get_section_display()} · {obj.max_seats} seats"


class AssignTablesForm(BoardForm):
    seat = forms.ChoiceField(
        label="Best fit first",
        required=False,
        widget=forms.RadioSelect,
        help_text="Free tables and joinable groups that seat the party for the whole booking.",
    )
    tables = TableChoice(
        label="Or combine free tables",
        queryset=Table.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Active tables of this restaurant that are free for the booking's time.",
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        super().__init__(*args, booking=booking, **kwargs)
        self.choices = seat_choices_for(booking=booking)
        self.fields["seat"].choices = [(c.value, c.label) for c in self.choices]
        if self.choices and not self.is_bound:
            self.initial["seat"] = self.choices[0].value
        if not self.choices:
            self.fields["seat"].help_text = f"No single table or group that seats {booking.party_size} is free."
        busy = table_assignments_overlapping(booking=booking).values("table_id")
        free = Table.objects.filter(restaurant_id=booking.restaurant_id, is_active=True).exclude(pk__in=busy)
        self.fields["tables"].queryset = free.order_by("max_seats", "name")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("tables"):
            cleaned["table_ids"] = [t.pk for t in cleaned["tables"]]
        elif cleaned.get("seat"):
            cleaned["table_ids"] = parse_choice(cleaned["seat"])
        else:
            raise forms.ValidationError("Choose a table, a group, or tables to combine.")
        return cleaned


class CancelForm(BoardForm):
    cancelled_by = forms.ChoiceField(
        label="Who cancelled?",
        choices=CANCELLED_BY,
        widget=forms.RadioSelect,
        help_text="The guest is told by email either way; the email says who called it off.",
    )
    reason = forms.CharField(required=False, max_length=255, help_text="Optional, kept in the status history.")


class DeclineForm(BoardForm):
    """The same rule as the ops API's decline: the guest is told why, so a reason is required."""

    reason = forms.CharField(
        min_length=3,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the guest in the email, and kept in the status history.",
    )


class ModifyForm(BoardForm):
    booking_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(
        label="Time",
        input_formats=["%H:%M"],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "HH:MM", "pattern": r"\d\d:\d\d"}),
        help_text="24-hour clock, e.g. 19:30.",
    )
    party_size = forms.IntegerField(label="Party size", min_value=1, max_value=500)

    def __init__(self, *args, booking: Booking, **kwargs):
        super().__init__(*args, booking=booking, **kwargs)
        if not self.is_bound:
            self.initial.update(
                booking_date=booking.booking_date,
                start_time=f"{booking.start_time:%H:%M}",
                party_size=booking.party_size,
            )
