"""Rendering one notification into an email: subject, text + HTML bodies, the .ics ticket.

Dates and times are shown in the restaurant's timezone with the zone named, and a placeholder
address is never shown: it reads "no email given". Every guest-facing email sent to the guest
carries the booking's manage link (DESIGN 10); the same email sent to the restaurant as the
fallback recipient, and every staff email, carries a link to the booking on the ops board instead
(the restaurant is not the guest). Links are absolute, built from `SITE_URL`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.admin.utils import quote
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.calendar import booking_ics
from bookings.contacts import Recipient, is_placeholder_email
from bookings.models import Booking
from bookings.services.lifecycle import EXPIRED
from bookings.tokens import manage_token
from notifications.models import Notification

Kind = Notification.Kind

SUBJECTS = {
    Kind.REQUEST_RECEIVED: "Reservation request received – {restaurant}",
    Kind.CONFIRMATION: "Your reservation ticket – {restaurant}",
    Kind.RESTAURANT_CANCELLATION: "Important update on your booking – {restaurant}",
    Kind.GUEST_CANCELLATION: "Booking cancelled – {restaurant}",
    Kind.UPDATED: "Reservation updated – {restaurant}",
    Kind.MODIFICATION_REQUESTED: "Reservation change requested – {restaurant}",
    Kind.BOOKING_DECLINED: "Update on your request – {restaurant}",
    Kind.REMINDER_24H: "{restaurant} on {day} at {time}",
    Kind.REMINDER_2H: "You're up soon at {restaurant}",
    Kind.REVIEW_REQUEST: "How was your visit at {restaurant}?",
    Kind.STAFF_NEW_REQUEST: "New booking request {reference} – {restaurant}",
    Kind.STAFF_GUEST_CHANGED: "Booking {reference} changed by the guest – {restaurant}",
    Kind.STAFF_GUEST_CANCELLED: "Booking {reference} cancelled by the guest – {restaurant}",
    Kind.STAFF_PENDING_ATTENTION: "Action needed: booking {reference} pending",
}
# Emails about a visit still to come carry the restaurant's booking policy ("Tables are held for
# 15 minutes"); news of a cancellation, a review request or a staff email do not.
ABOUT_A_COMING_VISIT = frozenset(
    {
        Kind.REQUEST_RECEIVED,
        Kind.CONFIRMATION,
        Kind.UPDATED,
        Kind.MODIFICATION_REQUESTED,
        Kind.REMINDER_24H,
        Kind.REMINDER_2H,
    }
)

STATUS_WORDS = {
    Booking.Status.PENDING: "Request received – awaiting confirmation from the restaurant",
    Booking.Status.PENDING_ALLOCATION: "Request received – awaiting a table from the restaurant",
    Booking.Status.CONFIRMED: "Confirmed",
    Booking.Status.CHECKED_IN: "Checked in",
    Booking.Status.COMPLETED: "Completed",
    Booking.Status.CANCELLED: "Cancelled",
    Booking.Status.NO_SHOW: "Marked as a no-show",
}
NO_EMAIL = "no email given"


def local_datetime_label(instant: dt.datetime, tz) -> str:
    """'Saturday 14 March 2026, 19:00 (America/New_York, EDT)': the zone named, DST-correct."""
    local = instant.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({tz.key}, {local.tzname()})"


def display_email(email: str | None) -> str:
    return NO_EMAIL if not email or is_placeholder_email(email) else email


def subject_for(notification: Notification) -> str:
    booking = notification.booking
    local = booking.start_at.astimezone(booking.restaurant.tz)
    return SUBJECTS[notification.kind].format(
        restaurant=booking.restaurant.name,
        reference=booking.reference,
        day=f"{local:%A} {local.day} {local:%B}",
        time=f"{local:%H:%M}",
    )


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def manage_url(booking: Booking) -> str:
    """The guest's manage link (`/b/<token>`, served by the guest portal)."""
    return absolute(reverse("guestportal:manage", args=[manage_token(booking)]))


def board_url(booking: Booking) -> str:
    """The booking on the ops board, for the restaurant's own copies."""
    return absolute(reverse("admin:bookings_booking_change", args=[quote(booking.pk)]))


def _link(notification: Notification) -> tuple[str, str]:
    """(label, url) of the one link an email carries: the guest's manage link, or the board."""
    if notification.recipient_source == Recipient.GUEST:
        return "Manage your booking", manage_url(notification.booking)
    return "Open the booking on the ops board", board_url(notification.booking)


def _context(notification: Notification) -> dict:
    booking = notification.booking
    restaurant = booking.restaurant
    link_label, link_url = _link(notification)
    decision = booking.status_changes.first() if notification.kind == Kind.BOOKING_DECLINED else None
    return {
        "notification": notification,
        "booking": booking,
        "restaurant": restaurant,
        "subject": subject_for(notification),
        "link_label": link_label,
        "link_url": link_url,
        "booking_page_url": absolute(reverse("guestportal:book", args=[restaurant.slug])),
        "declined_message": decision.metadata.get("message", "") if decision else "",
        "expired": bool(decision and decision.reason == EXPIRED),
        "show_policy": notification.kind in ABOUT_A_COMING_VISIT and bool(restaurant.booking_policy),
        "starts": local_datetime_label(booking.start_at, restaurant.tz),
        "ends": f"{booking.end_at.astimezone(restaurant.tz):%H:%M}",
        "status_words": STATUS_WORDS[booking.status],
        "guest_email": display_email(booking.guest_email),
        "guest_phone": booking.customer_phone or "no phone given",
        "restaurant_email": display_email(restaurant.contact_email),
        "to_restaurant_instead_of_guest": (
            notification.kind in Notification.GUEST_FACING_KINDS
            and notification.recipient_source == Recipient.RESTAURANT_FALLBACK
        ),
    }


def build_email(*, notification: Notification) -> EmailMultiAlternatives:
    """The message for a claimed row (recipient already resolved)."""
    context = _context(notification)
    template = f"notifications/email/{notification.kind}"
    restaurant_email = notification.booking.restaurant.contact_email
    reply_to = [restaurant_email] if restaurant_email and notification.recipient != restaurant_email else []
    if notification.kind == Kind.STAFF_NEW_REQUEST and context["guest_email"] != NO_EMAIL:
        reply_to = [context["guest_email"]]
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        reply_to=reply_to,
        headers={"Message-ID": make_msgid(idstring=f"notification-{notification.pk}", domain=DNS_NAME)},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if notification.kind == Kind.CONFIRMATION:
        ics_name = f"booking-{notification.booking.reference}.ics"
        message.attach(ics_name, booking_ics(notification.booking), "text/calendar")
    return message
