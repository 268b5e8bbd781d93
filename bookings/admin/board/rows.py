"""How one booking reads on the board at service time (DESIGN 7 "Host stand"): row flags and cells.

- Every row carries the anchor `booking-<id>`: an action without JavaScript comes back to it, and
  the board's script swaps the row with that id in place.
- Late: a confirmed guest whose start was 15 minutes ago or more, on the service day, is flagged
  (the host calls them or gives the table away).
- Earlier and finished: on the service day, a booking that is over (completed, cancelled or no-show)
  and started before now is collapsed behind the "earlier finished" toggle, so the board opens at
  the current time without losing the morning.
- The guest cell carries what a host needs at the door: name, reference, phone, the seating
  preference (when there is one), how a walk-in or phone booking came in, and the notes (allergies,
  occasions); the secondary facts (email, where notifications go) are on the booking's page.
- A search across every day shows each row's date with its time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings.models import Booking

S = Booking.Status
LATE_AFTER = dt.timedelta(minutes=15)
FINISHED = frozenset({S.COMPLETED, S.CANCELLED, S.NO_SHOW})


def row_id(booking: Booking) -> str:
    return f"booking-{booking.pk}"


def minutes_late(booking: Booking, *, today: dt.date | None, now: dt.datetime | None = None) -> int | None:
    """How late a confirmed guest is (15 minutes or more past the start on the service day), or None."""
    if booking.status != S.CONFIRMED or booking.booking_date != today:
        return None
    late = (now or timezone.now()) - booking.start_at
    return int(late.total_seconds() // 60) if late >= LATE_AFTER else None


def is_earlier_finished(booking: Booking, *, today: dt.date | None, now: dt.datetime | None = None) -> bool:
    return booking.booking_date == today and booking.status in FINISHED and booking.start_at <= (now or timezone.now())


@dataclass(frozen=True)
class Row:
    id: str
    classes: str


def board_row(booking: Booking, *, today: dt.date | None) -> Row:
    now = timezone.now()
    classes = []
    if minutes_late(booking, today=today, now=now) is not None:
        classes.append("tk-late")
    if is_earlier_finished(booking, today=today, now=now):
        classes.append("tk-earlier")
    return Row(id=row_id(booking), classes=" ".join(classes))


def when_cell(booking: Booking, *, with_date: bool) -> str:
    times = f"{booking.start_time:%H:%M}–{booking.end_time:%H:%M}"
    if not with_date:
        return times
    day = booking.booking_date
    return format_html('<span class="tk-date">{} {} {}</span> {}', f"{day:%a}", day.day, f"{day:%b %Y}", times)


def guest_cell(booking: Booking) -> str:
    contact = " · ".join(c for c in (booking.reference, booking.customer_phone) if c)
    extra = []
    if booking.seating_preference != Booking.Seating.ANY:
        seating = booking.get_seating_preference_display()
        extra.append(format_html('<span class="tk-seating">Seating: {}</span>', seating))
    if booking.source != Booking.Source.WEB:
        extra.append(format_html('<span class="tk-source">{}</span>', booking.get_source_display()))
    if booking.notes:
        extra.append(format_html('<span class="tk-note">Note: {}</span>', booking.notes))
    name = format_html("<strong>{}</strong><br><small>{}</small>", booking.customer_name, contact)
    if not extra:
        return name
    return format_html('{}<div class="tk-extra">{}</div>', name, format_html_join(" ", "{}", ((e,) for e in extra)))


def status_cell(booking: Booking, *, today: dt.date | None) -> str:
    badge = format_html('<span class="tk-status tk-{}">{}</span>', booking.status, booking.get_status_display())
    late = minutes_late(booking, today=today)
    if late is None:
        return badge
    hours, minutes = divmod(late, 60)
    words = f"{hours} h {minutes} min late" if hours else f"{minutes} min late"
    return format_html('{} <span class="tk-late-flag">{}</span>', badge, words)
