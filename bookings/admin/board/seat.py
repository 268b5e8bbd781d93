"""The board's "Seat walk-in" control (DESIGN 7 "Host stand"), mixed into `BookingAdmin`.

`seat/` (GET `?restaurant=&party=`): the tables free now that seat the party, best fit first, each a
button (`bookings.seating.seat_now_choices`), with an optional name. Pressing one POSTs to `seat/`,
which calls `booking_seat_now` (create, assign, check in; one transaction) and returns to the board
at the new row; a refusal (the table was taken a moment ago) comes back to the choices with the
reason. Each rendered list carries its own idempotency key, so a double tap seats one party.

Without JavaScript these are two ordinary pages; the board's script fetches the same URLs and puts
the choices and the new row in place (`bookings/board.js`), so a host seats a party in three taps:
"Seat walk-in", the party size, the table.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from bookings.admin.board.actions import describe_refusal
from bookings.admin.board.rows import row_id
from bookings.admin.board.state import DAY_PARAM, RESTAURANT_PARAM, board_for
from bookings.idempotency import request_fingerprint
from bookings.seating import parse_choice, seat_now_choices
from bookings.services.creation import RequestOrigin
from bookings.services.seating import SeatNowRequest, booking_seat_now
from config.errors import ApplicationError
from config.http import client_ip, user_agent

SEAT_URL_NAME = "bookings_booking_seat_walkin"
PARTY_CHIPS = range(1, 9)
MAX_PARTY = 500


def _party(raw: str | None) -> int | None:
    try:
        party = int(raw or "")
    except ValueError:
        return None
    return party if 1 <= party <= MAX_PARTY else None


class SeatWalkInMixin:
    """For `BookingAdmin`: the seat walk-in page and its POST."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.seat_walkin_view)
        return [path("seat/", view, name=SEAT_URL_NAME), *super().get_urls()]

    def seat_walkin_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            board = board_for(request)
        except IncorrectLookupParameters:  # a day the board cannot show: it says so itself (`?e=1`)
            return redirect(f"{reverse('admin:bookings_booking_changelist')}?e=1")
        if board.restaurant is None:
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        party = _party(data.get("party")) or _party(data.get("other"))
        if request.method == "POST" and party is not None:
            return self._seat(request, board.restaurant, party)
        return self._seat_page(request, board.restaurant, party, asked=bool(data.get("party") or data.get("other")))

    def _seat_page(self, request, restaurant, party: int | None, *, asked: bool) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Seat walk-in",
            "restaurant": restaurant,
            "party": party,
            "chips": PARTY_CHIPS,
            "invalid_party": asked and party is None,
            "options": seat_now_choices(restaurant=restaurant, party=party) if party else None,
            "seat_url": reverse(f"{self.admin_site.name}:{SEAT_URL_NAME}"),
            "board_url": self._board_today_url(restaurant),
            "key": uuid.uuid4(),
        }
        return TemplateResponse(request, "admin/bookings/booking/seat_walkin.html", context)

    def _seat(self, request, restaurant, party: int):
        table_ids = parse_choice(request.POST.get("tables", "")) if request.POST.get("tables") else []
        name = request.POST.get("name", "").strip()[:120]
        seat_url = reverse(f"{self.admin_site.name}:{SEAT_URL_NAME}")
        again = f"{seat_url}?{urlencode({RESTAURANT_PARAM: restaurant.pk, 'party': party})}"
        if table_ids is None or len(name) == 1:
            self.message_user(
                request, "Choose a table again, and a name of 2 letters or more (or none).", messages.ERROR
            )
            return redirect(again)
        body = {"restaurant": str(restaurant.pk), "party": party, "tables": table_ids, "name": name}
        try:
            result = booking_seat_now(
                restaurant=restaurant,
                seat_request=SeatNowRequest(party_size=party, table_ids=table_ids, name=name),
                actor=request.user,
                idempotency_key=request.POST.get("key"),
                fingerprint=request_fingerprint(method="POST", route=request.path, body=body),
                origin=RequestOrigin(ip=client_ip(request), user_agent=user_agent(request)),
            )
        except ApplicationError as exc:
            self.message_user(request, f"Not seated: {describe_refusal(exc)}", messages.ERROR)
            return redirect(again)
        booking = result.booking
        tables = ", ".join(a.table.name for a in booking.table_assignments.filter(released_at__isnull=True))
        self.message_user(
            request, f"Seated: {booking.reference} ({booking.customer_name}, {party}) at {tables}.", messages.SUCCESS
        )
        return redirect(f"{self._board_today_url(restaurant)}#{row_id(booking)}")

    def _board_today_url(self, restaurant) -> str:
        url = reverse(f"{self.admin_site.name}:bookings_booking_changelist")
        return f"{url}?{urlencode({DAY_PARAM: restaurant.today().isoformat(), RESTAURANT_PARAM: restaurant.pk})}"
