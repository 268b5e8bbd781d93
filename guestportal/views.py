"""Guest pages (DESIGN 10): the restaurant's booking page and the manage pages behind the link.

Server-rendered, no JavaScript needed, keyboard and phone friendly. Thin: availability, creation
and the guest's changes are the booking services'; the booking page goes through the customer
channel exactly as `POST /api/bookings` does (same serializer, pipeline, throttle), idempotent per
rendered form. Every page reached with a manage token is throttled per client IP, and an unknown,
tampered, revoked or expired token is a 404.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from bookings.apis import request_origin
from bookings.availability import availability, nearest_available
from bookings.calendar import booking_ics
from bookings.idempotency import request_fingerprint
from bookings.models import Booking
from bookings.serializers import BookingChangeSerializer, BookingInputSerializer
from bookings.services.creation import Channel, booking_create
from bookings.services.guests import (
    can_change,
    change_deadline,
    guest_cancel,
    guest_modify,
    guest_set_marketing_consent,
)
from bookings.tokens import booking_for_token
from config import throttling
from config.errors import ApplicationError
from config.http import client_ip
from guestportal.forms import ChangeForm, ConsentForm, DetailsForm, SearchForm
from guestportal.serializers import AvailabilityQuerySerializer
from restaurants.models import Restaurant

logger = logging.getLogger("tablekeeper.guests")

BOOKED_SALT = "guestportal.booked"
BOOKED_MAX_AGE = 60 * 60  # the confirmation page of a new booking can be reloaded for an hour
SENT_ALREADY = "This form has already been sent. To make another booking, please choose a time again."
STATUS_WORDS = {
    Booking.Status.PENDING: "Request received: the restaurant will confirm it shortly",
    Booking.Status.PENDING_ALLOCATION: "Request received: the restaurant will confirm your table shortly",
    Booking.Status.CONFIRMED: "Confirmed",
    Booking.Status.CHECKED_IN: "You are here: enjoy your meal",
    Booking.Status.COMPLETED: "Completed: thank you for coming",
    Booking.Status.CANCELLED: "Cancelled",
    Booking.Status.NO_SHOW: "Missed",
}


def _throttled(request, scope: str) -> HttpResponse | None:
    wait = throttling.hit(scope, f"ip:{client_ip(request)}")
    if wait is None:
        return None
    response = render(request, "guestportal/too_many.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _restaurant(slug: str) -> Restaurant:
    restaurant = Restaurant.objects.filter(slug=slug, is_active=True).first()
    if restaurant is None:
        raise Http404("No such restaurant.")
    return restaurant


def _searched(search: SearchForm) -> bool:
    """A valid search: the form's own checks, then the availability API's (the date window)."""
    if not search.is_bound or not search.is_valid():
        return False
    query = AvailabilityQuerySerializer(
        data={"date": search.cleaned_data["date"].isoformat(), "party": search.cleaned_data["party"]}
    )
    if not query.is_valid():
        search.add_api_errors(query.errors)
        return False
    return True


def _when(booking: Booking) -> str:
    local = booking.start_at.astimezone(booking.restaurant.tz)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} ({booking.restaurant.timezone})"


def _deadline(booking: Booking) -> str:
    """Until when the guest may change online, in the restaurant's timezone. Formatted here: the
    templates' date filter would show an aware datetime in the server's zone (UTC)."""
    local = change_deadline(booking).astimezone(booking.restaurant.tz)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M} ({booking.restaurant.timezone})"


# --- the booking page --------------------------------------------------------------------------
@require_http_methods(["GET", "HEAD", "POST"])
def book(request, slug: str):
    restaurant = _restaurant(slug)
    if request.method == "POST":
        return _book_post(request, restaurant)
    search = SearchForm(request.GET or None, initial={"date": restaurant.today(), "party": 2})
    context = {"restaurant": restaurant, "search": search, "step": "search"}
    if not _searched(search):
        return render(request, "guestportal/book.html", context, status=400 if search.errors else 200)
    if limited := _throttled(request, "availability"):
        return limited
    day, party = search.cleaned_data["date"], search.cleaned_data["party"]
    context.update(day=day, party=party, step="slots")
    if party > restaurant.max_online_party:
        return render(request, "guestportal/book.html", {**context, "too_large": True})
    slots = availability(restaurant=restaurant, day=day, party=party, web=True)
    asked = request.GET.get("time")
    chosen = next((s for s in slots if f"{s.time:%H:%M}" == asked and s.available), None)
    if chosen is None:
        free = [s for s in slots if s.available]
        taken = asked if any(f"{s.time:%H:%M}" == asked for s in slots) else None  # a time of the grid, now full
        return render(request, "guestportal/book.html", {**context, "slots": free, "taken": taken})
    details = DetailsForm(
        initial={
            "date": day.isoformat(),
            "time": f"{chosen.time:%H:%M}",
            "party": party,
            "bookingType": chosen.booking_type,
        }
    )
    return render(request, "guestportal/book.html", {**context, "step": "details", "slot": chosen, "details": details})


def _book_post(request, restaurant: Restaurant):
    if limited := _throttled(request, "public_booking"):
        return limited
    details = DetailsForm(request.POST)
    context = {"restaurant": restaurant, "step": "details", "details": details}
    if not details.is_valid():
        return render(request, "guestportal/book.html", {**context, **_slot_context(details)}, status=400)
    if details.cleaned_data["website"]:
        logger.warning("event=honeypot restaurant=%s", restaurant.slug)
        details.add_error(None, "Your request could not be sent. Please try again.")
        return render(request, "guestportal/book.html", {**context, **_slot_context(details)}, status=400)
    body = details.payload(restaurant.slug)
    serializer = BookingInputSerializer(
        data=body, context={"channel": Channel.CUSTOMER.value, "restaurant": restaurant}
    )
    if not serializer.is_valid():
        details.add_api_errors(serializer.errors)
        return render(request, "guestportal/book.html", {**context, **_slot_context(details)}, status=400)
    try:
        result = booking_create(
            restaurant=restaurant,
            booking_request=serializer.booking_request(),
            channel=Channel.CUSTOMER,
            idempotency_key=str(details.cleaned_data["idempotencyKey"]),
            fingerprint=request_fingerprint(method="POST", route=request.path, body=body),
            origin=request_origin(request),
        )
    except ApplicationError as exc:
        return _refused(request, restaurant, details, context, exc)
    token = signing.dumps(str(result.booking.pk), salt=BOOKED_SALT)
    return redirect("guestportal:booked", slug=restaurant.slug, signed=token)


def _slot_context(details: DetailsForm) -> dict:
    """The chosen slot, for showing it above a details form sent back with errors (the date in
    words when it reads as one)."""
    data = details.data
    try:
        day: dt.date | str = dt.date.fromisoformat(data.get("date", ""))
    except ValueError:
        day = data.get("date", "")
    return {"chosen": {"date": day, "time": data.get("time", ""), "party": data.get("party", "")}}


def _refused(request, restaurant: Restaurant, details: DetailsForm, context: dict, exc: ApplicationError):
    """The pipeline said no: field errors go next to their fields; a slot taken in between offers
    the nearest free times of that day."""
    alternatives = []
    if exc.extra.get("details"):
        details.add_api_errors(exc.extra["details"])
    elif exc.code == "EMAIL_LIMIT":
        details.add_api_errors({"email": [exc.message]})
    elif exc.code == "IDEMPOTENCY_MISMATCH":  # the back button, then other details on the same form
        details.add_error(None, SENT_ALREADY)
    else:
        details.add_error(None, _refusal(exc))
    if any(issue["code"] == "CAPACITY_EXCEEDED" for issue in exc.extra.get("issues", [])):
        data = details.cleaned_data
        day = dt.date.fromisoformat(data["date"])
        slots = availability(restaurant=restaurant, day=day, party=data["party"], web=True)
        alternatives = nearest_available(slots, dt.time.fromisoformat(data["time"]))
        context.update(day=day, party=data["party"])
    status = exc.status_code if exc.status_code in (400, 403, 409, 422, 429) else 400
    return render(
        request,
        "guestportal/book.html",
        {**context, **_slot_context(details), "alternatives": alternatives},
        status=status,
    )


def _refusal(exc: ApplicationError) -> str:
    """What the booking services said, in one sentence or two: the message and each issue's."""
    issues = [issue["message"] for issue in exc.extra.get("issues", [])]
    return " ".join([exc.message, *issues]) if issues else exc.message


@require_http_methods(["GET", "HEAD"])
def booked(request, slug: str, signed: str):
    try:
        booking_id = uuid.UUID(str(signing.loads(signed, salt=BOOKED_SALT, max_age=BOOKED_MAX_AGE)))
    except (signing.BadSignature, ValueError) as exc:  # expired, or not a booking id (all we sign)
        raise Http404("This confirmation has expired.") from exc
    booking = Booking.objects.select_related("restaurant").filter(pk=booking_id, restaurant__slug=slug).first()
    if booking is None:
        raise Http404("No such booking.")
    context = {"booking": booking, "restaurant": booking.restaurant, "when": _when(booking)}
    return render(request, "guestportal/booked.html", {**context, "status_words": STATUS_WORDS[booking.status]})


# --- the manage pages --------------------------------------------------------------------------
def _managed(request, token: str) -> Booking | HttpResponse:
    """The booking behind a manage link, or the answer to give instead (429, else 404)."""
    if limited := _throttled(request, "guest_token"):
        return limited
    booking = booking_for_token(token)
    if booking is None:
        raise Http404("This link is not valid.")
    return booking


def _manage_context(booking: Booking, token: str) -> dict:
    return {
        "booking": booking,
        "restaurant": booking.restaurant,
        "token": token,
        "when": _when(booking),
        "status_words": STATUS_WORDS[booking.status],
        "can_change": can_change(booking),
        "active": booking.status in Booking.ACTIVE_STATUSES,
        "deadline": _deadline(booking),
    }


@require_http_methods(["GET", "HEAD"])
def manage(request, token: str):
    booking = _managed(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    consent = ConsentForm(initial={"marketingOptIn": booking.marketing_opt_in})
    return render(request, "guestportal/manage.html", {**_manage_context(booking, token), "consent": consent})


def _refused_change(
    request, template: str, booking: Booking, token: str, exc: ApplicationError, extra: dict | None = None
):
    """The page again, with what the booking services said and their status (409 after the cut-off,
    with the restaurant's phone; 400 or 409 for a slot that cannot be had)."""
    booking.refresh_from_db()
    context = {**(extra or {}), **_manage_context(booking, token), "error": _refusal(exc)}
    return render(request, template, context, status=exc.status_code)


@require_http_methods(["GET", "HEAD", "POST"])
def manage_cancel(request, token: str):
    booking = _managed(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    if request.method == "POST":
        try:
            guest_cancel(booking=booking)
        except ApplicationError as exc:
            return _refused_change(request, "guestportal/manage_cancel.html", booking, token, exc)
        messages.success(request, "Your booking is cancelled. We have emailed you a confirmation.")
        return redirect("guestportal:manage", token=token)
    return render(request, "guestportal/manage_cancel.html", _manage_context(booking, token))


@require_http_methods(["GET", "HEAD", "POST"])
def manage_change(request, token: str):
    """Pick a new day and party (a GET search), then one of the free times (a POST)."""
    booking = _managed(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    local = booking.start_at.astimezone(booking.restaurant.tz)
    search = SearchForm(request.GET or None, initial={"date": local.date(), "party": booking.party_size})
    if request.method == "POST":
        return _manage_change_post(request, booking, token, search)
    searched = _searched(search)
    context = _change_context(booking, token, search, searched and search.cleaned_data)
    return render(request, "guestportal/manage_change.html", context, status=400 if search.errors else 200)


def _manage_change_post(request, booking: Booking, token: str, search: SearchForm):
    change = ChangeForm(request.POST)
    template = "guestportal/manage_change.html"
    if not change.is_valid():
        context = {**_change_context(booking, token, search, None), "error": change.non_field_errors()[0]}
        return render(request, template, context, status=400)
    body = BookingChangeSerializer(data=change.payload())
    if not body.is_valid():
        context = {**_change_context(booking, token, search, None), "error": ChangeForm.hidden_error}
        return render(request, template, context, status=400)
    try:
        guest_modify(booking=booking, **body.validated_data)
    except ApplicationError as exc:
        data = body.validated_data
        asked = {"date": data["booking_date"], "party": data["party_size"]}
        alternatives = exc.status_code == 409 and exc.code != "CHANGE_WINDOW_CLOSED"
        extra = _change_context(booking, token, search, asked if alternatives else None)
        return _refused_change(request, template, booking, token, exc, extra)
    messages.success(request, "Change requested: the restaurant will confirm it. We have emailed you.")
    return redirect("guestportal:manage", token=token)


def _change_context(booking: Booking, token: str, search: SearchForm, asked: dict | None) -> dict:
    """The change page: the booking, the search form and, for a day and party `asked`, its free times."""
    context = {**_manage_context(booking, token), "search": search, "slots": []}
    if not asked or not context["can_change"]:
        return context
    day, party = asked["date"], asked["party"]
    if not search.is_bound:  # a refused POST: search again from the day and party asked for
        context["search"] = SearchForm(initial={"date": day, "party": party})
    context.update(day=day, party=party)
    if party > booking.restaurant.max_online_party:
        context["too_large"] = True
    else:
        slots = availability(
            restaurant=booking.restaurant, day=day, party=party, web=True, exclude_booking_id=booking.pk
        )
        context["slots"] = [s for s in slots if s.available]
    return context


@require_POST
def manage_consent(request, token: str):
    booking = _managed(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    consent = ConsentForm(request.POST)
    consent.is_valid()
    try:
        guest_set_marketing_consent(booking=booking, opt_in=consent.cleaned_data.get("marketingOptIn", False))
    except ApplicationError as exc:
        return _refused_change(request, "guestportal/manage.html", booking, token, exc, {"consent": consent})
    messages.success(request, "Your choice is saved.")
    return redirect("guestportal:manage", token=token)


@require_http_methods(["GET", "HEAD"])
def manage_ics(request, token: str):
    booking = _managed(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.reference}.ics"'
    return response
