"""Rendering one notification into an email: subject, text + HTML bodies, the .ics ticket.

Dates and times are shown in the restaurant's timezone with the zone named, and a placeholder
address is never shown: it reads "no email given".
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.contacts import Recipient, is_placeholder_email
from bookings.models import Booking
from notifications.models import Notification

Kind = Notification.Kind

SUBJECTS = {
    Kind.REQUEST_RECEIVED: "Reservation request received – {restaurant}",
    Kind.CONFIRMATION: "Your reservation ticket – {restaurant}",
    Kind.RESTAURANT_CANCELLATION: "Important update on your booking – {restaurant}",
    Kind.GUEST_CANCELLATION: "Booking cancelled – {restaurant}",
    Kind.UPDATED: "Reservation updated – {restaurant}",
    Kind.STAFF_NEW_REQUEST: "New booking request {reference} – {restaurant}",
}
GUEST_FACING_KINDS = frozenset(SUBJECTS) - {Kind.STAFF_NEW_REQUEST}

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
    return SUBJECTS[notification.kind].format(restaurant=booking.restaurant.name, reference=booking.reference)


def booking_ics(booking: Booking) -> bytes:
    """A one-event calendar in the restaurant's timezone (TZID + VTIMEZONE), UID from the booking id."""
    restaurant = booking.restaurant
    calendar = Calendar()
    calendar.add("prodid", "-//Tablekeeper//Reservations//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@tablekeeper")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.start_at.astimezone(restaurant.tz))
    event.add("dtend", booking.end_at.astimezone(restaurant.tz))
    event.add("summary", f"Table for {booking.party_size} at {restaurant.name}")
    event.add("location", ", ".join(filter(None, [restaurant.name, restaurant.address.replace("\n", ", ")])))
    event.add("description", f"Booking reference {booking.reference}")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _context(notification: Notification) -> dict:
    booking = notification.booking
    restaurant = booking.restaurant
    return {
        "notification": notification,
        "booking": booking,
        "restaurant": restaurant,
        "subject": subject_for(notification),
        "starts": local_datetime_label(booking.start_at, restaurant.tz),
        "ends": f"{booking.end_at.astimezone(restaurant.tz):%H:%M}",
        "status_words": STATUS_WORDS[booking.status],
        "guest_email": display_email(booking.guest_email),
        "guest_phone": booking.customer_phone or "no phone given",
        "restaurant_email": display_email(restaurant.contact_email),
        "to_restaurant_instead_of_guest": (
            notification.kind in GUEST_FACING_KINDS and notification.recipient_source == Recipient.RESTAURANT_FALLBACK
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
