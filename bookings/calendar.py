"""A booking as a calendar event (.ics): attached to the ticket email, downloadable from the manage page."""

from __future__ import annotations

from django.utils import timezone
from icalendar import Calendar, Event

from bookings.models import Booking


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
