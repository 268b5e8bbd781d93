"""Staff pages: the front door, the walk-in form and its confirmation card (DESIGN 7).

Thin: the form validates through `BookingInputSerializer`, the view calls the same creation
pipeline as `POST /api/ops/bookings` with the form's hidden idempotency key, then redirects
(POST-redirect-GET) to the confirmation. A double click, a refresh or the back button re-sends the
same key and lands on the same confirmation; nothing is created twice.

The time is one of the slots of the chosen restaurant, date and party (`opsportal.forms`). Without
JavaScript, "Show times" sends the form back (`step=times`) and it comes back with the slots of what
was typed, nothing else judged; with JavaScript the page asks `GET ?restaurantId=&date=&party=` for
the same list and swaps it in. A GET takes those parameters as the form's starting values.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bookings.apis import request_origin
from bookings.availability import first_available
from bookings.contacts import Recipient
from bookings.idempotency import request_fingerprint
from config.errors import ApplicationError, Forbidden, NotFound
from opsportal import selectors
from opsportal.events import error_code, log_walkin
from opsportal.forms import SLOT_INPUTS, WalkInForm
from opsportal.walkins import walkin_create
from restaurants.selectors import membership_get, membership_list_for_user

# How the confirmation card names the two statuses a new walk-in can have; the rest read as labelled.
STATUS_WORDS = {"pending": "Awaiting confirmation", "pending_allocation": "Allocation in progress"}
RECIPIENT_WORDS = {
    Recipient.GUEST: "the guest",
    Recipient.RESTAURANT_FALLBACK: "the restaurant's contact address, because the guest left no email",
    Recipient.NONE: "nobody: no email given and the restaurant has no contact address",
}


def _initial(form: WalkInForm) -> dict:
    membership = membership_list_for_user(user=form.user).first()
    if membership is None:
        raise PermissionDenied("You are not a member of any restaurant.")
    restaurant = membership.restaurant
    initial = {"restaurantId": restaurant.pk, "date": restaurant.today().isoformat(), "party": 2}
    if first := first_available(restaurant=restaurant, now=timezone.now()):
        day, slot = first
        initial.update(date=day.isoformat(), time=f"{slot.time:%H:%M}")
    return initial


@require_http_methods(["GET", "HEAD"])
def front_door(request):
    """`/`: staff go to the ops board, everyone else to the staff sign-in page (DESIGN 7 "Front door")."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:bookings_booking_changelist")
    return redirect(settings.LOGIN_URL)


def _asked(data, names) -> dict:
    return {name: data[name] for name in names if data.get(name)}


@login_required
@require_http_methods(["GET", "POST"])
def walkin_new(request):
    if request.method == "GET":
        probe = WalkInForm(user=request.user)
        asked = _asked(request.GET, (*SLOT_INPUTS, "time"))
        defaults = _initial(probe)
        if asked:  # the slots of what was asked for (the page's script): no default time of another day
            defaults.pop("time", None)
        initial = {**defaults, **asked}
        form = WalkInForm(user=request.user, initial=initial)
        if not request.GET:  # the page as a host opens it: the focus on its first field
            form.fields["restaurantId"].widget.attrs["autofocus"] = True
        return render(request, "opsportal/walkin_form.html", {"form": form})
    if request.POST.get("step") == "times":  # "Show times" without JavaScript: nothing is judged yet
        form = WalkInForm(user=request.user, initial=_asked(request.POST, request.POST.keys()))
        return render(request, "opsportal/walkin_form.html", {"form": form, "focus_slots": True})

    form = WalkInForm(request.POST, user=request.user)
    event = {"via": "form", "user": request.user, "restaurant_id": request.POST.get("restaurantId")}
    if not form.is_valid():
        log_walkin("booking_refused", error="INVALID_PAYLOAD", level=logging.WARNING, **event)
        return render(request, "opsportal/walkin_form.html", {"form": form}, status=400)
    try:
        membership = membership_get(user=request.user, restaurant_id=form.cleaned_data["restaurantId"].pk)
        if membership is None:
            raise Forbidden()
        result = walkin_create(
            user=request.user,
            membership=membership,
            booking_request=form.booking_request,
            idempotency_key=str(form.cleaned_data["idempotencyKey"]),
            fingerprint=request_fingerprint(method=request.method, route=request.path, body=form.payload()),
            origin=request_origin(request),
            via="form",
        )
    except ApplicationError as exc:
        log_walkin("booking_refused", error=error_code(exc.status_code, exc.as_body()), level=logging.WARNING, **event)
        form.add_pipeline_error(exc)
        return render(request, "opsportal/walkin_form.html", {"form": form}, status=exc.status_code)
    except Exception:
        log_walkin("booking_failed", error="INTERNAL", level=logging.ERROR, **event)
        raise
    return redirect("opsportal:walkin-created", booking_id=result.booking.pk)


@login_required
@require_http_methods(["GET"])
def walkin_created(request, booking_id):
    try:
        booking = selectors.booking_get_for_staff(user=request.user, booking_id=booking_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "opsportal/walkin_created.html",
        {
            "booking": booking,
            "status_words": STATUS_WORDS.get(booking.status, booking.get_status_display()),
            "recipient_words": RECIPIENT_WORDS[booking.notification_recipient],
        },
    )
