"""Which restaurant and day the ops board shows (DESIGN 7), and the two filters that choose them.

The board shows one restaurant's day. It opens on today in the restaurant's timezone
(`Restaurant.today()`, the service day) for the user's first membership, or the restaurant chosen in
the restaurant filter; it steps a day back or forward, or jumps to `?booking_date=YYYY-MM-DD`. A
search (`?q=`) looks across every day, whatever day the board was on when the host typed it (the
search box carries the board's filters along), so a guest who is not on that day's list is still
found; the rows then show their date. The day links leave the search. Neither filter has an "All"
choice: the board is always one restaurant's day.

The filters, the changelist and the counts above it all need the same answer, so `board_for` reads
the request once and keeps it on the request. A date the board cannot show (not a date, or the
calendar's first or last day, which has no day before or after to link to) raises
`IncorrectLookupParameters`: the admin's own answer to a bad filter (back to the list with `?e=1`),
not a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters

from restaurants.models import Restaurant
from restaurants.selectors import membership_list_for_user

DAY_PARAM = "booking_date"
RESTAURANT_PARAM = "restaurant"


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
        if request.GET.get("q"):
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
                # A day chosen ends a search across every day (the search would hide the day).
                "query_string": changelist.get_query_string({self.parameter_name: value}, remove=["q"]),
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
