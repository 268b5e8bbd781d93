"""Staff pages: the front door, the walk-in form and its confirmation card (DESIGN 7).

Thin: the form validates through `BookingInputSerializer`, the view calls the same creation
pipeline as `POST /api/ops/bookings` with the form's hidden idempotency key, then redirects
(POST-redirect-GET) to the confirmation. A double click, a refresh or the back button re-sends the
same key and lands on the same confirmation; nothing is created twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bookings.models import Booking
from config.errors import ApplicationError, NotFound
from opsportal import selectors
from opsportal.events import error_code, log_walkin
from opsportal.forms import WalkInForm
from opsportal.walkins import walkin_create
from restaurants.models import Restaurant
from restaurants.selectors import membership_list_for_user

# How the confirmation card names the two statuses a new walk-in can have; the rest read as labelled.
STATUS_WORDS = {"pending": "Awaiting confirmation", "pending_allocation": "Allocation in progress"}
RECIPIENT_WORDS = {
    "guest": "the guest",
    "restaurant_fallback": "the restaurant's contact address, because the guest left no email",
    "none": "nobody: no email given and the restaurant has no contact address",
}


def next_slot(restaurant: Restaurant) -> dt.datetime:
    """The first slot of the restaurant's grid at or after now, as a local wall-clock datetime."""
    local = timezone.now().astimezone(restaurant.tz).replace(tzinfo=None)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (local - midnight).total_seconds() / 60
    step = restaurant.reservation_interval_minutes
    return midnight + dt.timedelta(minutes=-(-elapsed // step) * step)


def _booking_type_at(restaurant, slot: dt.datetime) -> str:
    """The service period the slot falls in (lunch, dinner, ...); dinner when none does."""
    period = (
        restaurant.service_periods.filter(start_time__lte=slot.time(), end_time__gt=slot.time())
        .filter(Q(weekday__isnull=True) | Q(weekday=slot.weekday()))
        .first()
    )
    return period.name if period else Booking.BookingType.DINNER


def _initial(form: WalkInForm) -> dict:
    membership = membership_list_for_user(user=form.user).first()
    if membership is None:
        raise PermissionDenied("You are not a member of any restaurant.")
    restaurant = membership.restaurant
    slot = next_slot(restaurant)
    return {
        "restaurantId": restaurant.pk,
        "date": slot.date().isoformat(),
        "time": slot.strftime("%H:%M"),
        "party": 2,
        "bookingType": _booking_type_at(restaurant, slot),
    }


@require_http_methods(["GET", "HEAD"])
def front_door(request):
    """`/`: staff go to the ops board, everyone else to the staff sign-in page (DESIGN 7 "Front door")."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:bookings_booking_changelist")
    return redirect(settings.LOGIN_URL)


@login_required
@require_http_methods(["GET", "POST"])
def walkin_new(request):
    if request.method == "GET":
        form = WalkInForm(user=request.user)
        form.initial.update(_initial(form))
        return render(request, "opsportal/walkin_form.html", {"form": form})

    form = WalkInForm(request.POST, user=request.user)
    event = {"via": "form", "user": request.user, "restaurant_id": request.POST.get("restaurantId")}
    if not form.is_valid():
        log_walkin("booking_refused", error="INVALID_PAYLOAD", level=logging.WARNING, **event)
        return render(request, "opsportal/walkin_form.html", {"form": form}, status=400)
    try:
        membership = selectors.membership_for_staff(
            user=request.user, restaurant_id=form.cleaned_data["restaurantId"].pk
        )
        result = walkin_create(
            request=request,
            membership=membership,
            data=form.validated_data,
            body=form.payload(),
            idempotency_key=str(form.cleaned_data["idempotencyKey"]),
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
