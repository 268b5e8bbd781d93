"""Delivery of one outbox row: lock, resolve the recipient, render, send, record (DESIGN 6).

The row lock is held only while the row is claimed (`sending`, attempts + 1) and committed, never
across the SMTP conversation, so the admin and the sweep are not blocked by a slow mail server.
Only a `queued` row is sendable; anything else (sent, skipped, failed, another worker's `sending`)
is left alone, so a repeated task never mails twice. A temporary failure puts the row back to
`queued` with the error kept while the task retries; the last attempt or a permanent refusal ends it
`failed` ("send again" re-queues it).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.contacts import Addressee, Recipient, mailable, recipient_for
from bookings.models import Booking
from notifications.emails import build_email, subject_for
from notifications.models import Notification

logger = logging.getLogger(__name__)

Status = Notification.Status
NOBODY = Addressee("", Recipient.NONE)

S = Booking.Status
Kind = Notification.Kind
CANCELLATION_KINDS = frozenset(
    {Kind.RESTAURANT_CANCELLATION, Kind.GUEST_CANCELLATION, Kind.STAFF_GUEST_CANCELLED, Kind.BOOKING_DECLINED}
)


# Worth another try later: the mail server, the provider or the network said no for now. Anything
# else (a template error, a refusal for good) will fail the same way again, so it ends `failed`.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)
try:
    from anymail.exceptions import AnymailAPIError  # type: ignore[import-not-found]  # optional, not installed by default
except ImportError:  # not installed by default
    pass
else:
    TRANSPORT_ERRORS += (AnymailAPIError,)


class PermanentDeliveryError(Exception):
    """The mail server refused for good (a 5xx answer): retrying cannot help, "send again" can."""


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def resolve_recipient(notification: Notification) -> tuple[Addressee, str]:
    """Who gets this row now, or nobody and why (DESIGN 6).

    Staff kinds go to the restaurant's contact email; guest-facing kinds to the guest if they gave an
    email, else to the restaurant's current address; guest-only kinds (reminders, review requests)
    only to an address the guest gave themselves.
    """
    booking = notification.booking
    restaurant_email = booking.restaurant.contact_email
    if notification.kind in Notification.STAFF_KINDS:
        if mailable(restaurant_email):
            return Addressee(restaurant_email, Recipient.RESTAURANT_FALLBACK), ""
        return NOBODY, "The restaurant has no contact email"
    addressee = recipient_for(booking, fallback=restaurant_email)
    if notification.kind in Notification.GUEST_ONLY_KINDS and addressee.source != Recipient.GUEST:
        return NOBODY, "no guest email: reminders and review requests go only to an address the guest gave"
    if addressee == NOBODY:
        return NOBODY, "The guest left no email and the restaurant has no contact email"
    return addressee, ""


def _outdated(notification: Notification) -> str:
    """Why this row's news is out of date, or "" (DESIGN 6: `superseded`).

    A request email for a booking already confirmed or seated, a ticket for a booking no longer
    confirmed, a reminder for a booking no longer confirmed, moved or already started, "action needed" for a request
    answered since, a review request for a visit not completed; and any news other than the
    cancellation itself of a booking cancelled since.
    """
    booking, kind = notification.booking, notification.kind
    status = booking.status
    if kind == Kind.CONFIRMATION and status != S.CONFIRMED:
        return f"superseded: the booking is {status} now; the ticket is no longer valid"
    if status == S.CANCELLED:
        return "" if kind in CANCELLATION_KINDS else "superseded: the booking has been cancelled since"
    if kind in (Kind.REQUEST_RECEIVED, Kind.STAFF_PENDING_ATTENTION) and status not in Booking.PENDING_STATUSES:
        return f"superseded: the booking is {status} now"
    if kind in (Kind.REMINDER_24H, Kind.REMINDER_2H):
        if status != S.CONFIRMED:
            return f"superseded: the booking is {status} now"
        if not notification.dedupe_key.endswith(booking.start_at.isoformat()):
            return "superseded: the booking has moved since"
        if timezone.now() >= booking.start_at:  # a queue that fell behind: never remind after the start
            return "superseded: the booking has started"
    if kind == Kind.REVIEW_REQUEST and status != S.COMPLETED:
        return f"superseded: the booking is {status} now"
    return ""


def _claim(notification_id: int) -> Notification | None:
    """Lock the row and move it to `sending` (or `skipped`); None when there is nothing to send."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("booking__restaurant")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != Status.QUEUED:
            return None
        notification.subject = subject_for(notification)
        recipient, no_recipient = resolve_recipient(notification)
        reason = _outdated(notification) or no_recipient
        if reason:
            notification.status = Status.SKIPPED
            notification.recipient_source = Recipient.NONE
            notification.last_error = reason
            notification.save(update_fields=["status", "subject", "recipient_source", "last_error", "updated_at"])
            logger.info("notification skipped id=%s reason=%r", notification.pk, notification.last_error)
            return None
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.recipient = recipient.address
        notification.recipient_source = recipient.source
        notification.save(
            update_fields=["status", "subject", "attempts", "recipient", "recipient_source", "updated_at"]
        )
        return notification


def _finish(notification: Notification, **fields: object) -> None:
    """Record the outcome, only if the row is still ours (`sending`)."""
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(updated_at=timezone.now(), **fields)


def notification_deliver(*, notification_id: int, final: bool = True) -> None:
    """Send one row. Raises the error after recording it: a temporary one, so the task can retry.

    `final`: no retry follows (the task's last attempt, or a call outside the task), so a temporary
    failure ends the row `failed` too. Otherwise the row goes back to `queued`, its `queued_at` past
    the longest backoff, so the sweep sends it only if the scheduled retry is lost.
    """
    notification = _claim(notification_id)
    if notification is None:
        return
    try:
        message = build_email(notification=notification)
        message.send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        permanent = _is_permanent(exc)
        if final or permanent or not isinstance(exc, TRANSPORT_ERRORS):
            _finish(notification, status=Status.FAILED, last_error=error)
        else:
            retry_by = timezone.now() + dt.timedelta(seconds=settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS)
            _finish(notification, status=Status.QUEUED, last_error=error, queued_at=retry_by)
        # The error's type and SMTP code only: its text can name the recipient (DESIGN 12: no guest in logs).
        logger.warning(
            "notification failed id=%s attempt=%d error=%s code=%s",
            notification.pk,
            notification.attempts,
            type(exc).__name__,
            getattr(exc, "smtp_code", "-"),
        )
        if permanent:
            raise PermanentDeliveryError(str(exc)) from exc
        raise
    anymail_status = getattr(message, "anymail_status", None)
    provider_id = getattr(anymail_status, "message_id", None) or message.extra_headers["Message-ID"]
    _finish(
        notification,
        status=Status.SENT,
        provider_message_id=str(provider_id)[:255],
        last_error="",
        sent_at=timezone.now(),
    )
    # Who it went to is on the row (the admin shows it), never in the logs (DESIGN 12).
    logger.info(
        "notification sent id=%s kind=%s recipient_source=%s",
        notification.pk,
        notification.kind,
        notification.recipient_source,
    )
