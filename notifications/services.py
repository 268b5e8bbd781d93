"""Writes to the outbox: record a booking event, send a failed row again, re-dispatch stuck rows.

Delivery itself (locking a row, resolving the recipient, sending) lives in `notifications.sending`,
which the Celery task calls; this module only records rows and hands their ids to the broker after
commit.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking
from config.errors import Conflict
from notifications.models import Notification
from notifications.tasks import send_notification

logger = logging.getLogger(__name__)

S = Booking.Status
Kind = Notification.Kind


def booking_save_events(*, booking: Booking, created: bool) -> list[tuple[str, str]]:
    """The (kind, dedupe_key) pairs one post_save of a booking must notify (DESIGN 6).

    Creation is keyed "created"; a status change by its BookingStatusChange (written before the
    save, so it is the latest); a modification that keeps the status by its new slot and time.
    """
    if created:
        if booking.status not in Booking.PENDING_STATUSES:
            return []
        events = [(Kind.REQUEST_RECEIVED, "created")]
        if booking.source == Booking.Source.WEB:
            events.append((Kind.STAFF_NEW_REQUEST, "created"))
        return events
    old, new = booking.loaded_status, booking.status
    if old is None:
        return []
    if old == new:
        if not booking.slot_changed:
            return []
        slot = f"{booking.booking_date}T{booking.start_time:%H:%M}x{booking.party_size}"
        return [(Kind.UPDATED, f"modified:{slot}@{booking.updated_at.isoformat()}")]
    change = booking.status_changes.latest()
    key = f"change:{change.pk}"
    if booking.slot_changed:
        return [(Kind.UPDATED, key)]
    if new == S.CONFIRMED and old != S.NO_SHOW:
        return [(Kind.CONFIRMATION, key)]
    if new == S.CANCELLED:
        by_guest = change.metadata.get("cancelledBy") == "guest"
        return [(Kind.GUEST_CANCELLATION if by_guest else Kind.RESTAURANT_CANCELLATION, key)]
    return []


def notification_record(*, booking: Booking, kind: str, dedupe_key: str) -> Notification | None:
    """Record one event's row in the caller's transaction; dispatch it after commit.

    Returns None when the event already has its row (a repeated save): nothing is dispatched again.
    """
    notification, created = Notification.objects.get_or_create(
        booking=booking, kind=kind, dedupe_key=dedupe_key, defaults={"queued_at": timezone.now()}
    )
    if not created:
        return None
    send_notification.delay_on_commit(notification.pk)
    return notification


def booking_record_events(*, booking: Booking, created: bool) -> list[Notification]:
    """Record every row one save of a booking calls for (see `booking_save_events`).

    A booking inserted by this very save cannot have rows yet (no other transaction can see it), so
    its creation rows go in with one INSERT; later events go through `notification_record`, where the
    unique constraint turns a repeat into a no-op.
    """
    events = booking_save_events(booking=booking, created=created)
    if not created:
        return [n for kind, key in events if (n := notification_record(booking=booking, kind=kind, dedupe_key=key))]
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(booking=booking, kind=kind, dedupe_key=key, queued_at=now) for kind, key in events
    )
    for notification in rows:
        send_notification.delay_on_commit(notification.pk)
    return rows


@transaction.atomic
def notification_send_again(*, notification: Notification) -> Notification:
    """Re-queue the same failed row (its dedupe key stays) and dispatch it after commit."""
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.status != Notification.Status.FAILED:
        raise Conflict(f"Only failed notifications can be sent again (this one is {notification.status})")
    notification.status = Notification.Status.QUEUED
    notification.queued_at = timezone.now()
    notification.save(update_fields=["status", "queued_at", "updated_at"])
    send_notification.delay_on_commit(notification.pk)
    return notification


@transaction.atomic
def notification_redrive(*, older_than: dt.timedelta, limit: int = 500) -> list[int]:
    """Re-dispatch rows left `queued` (broker down at commit) or stuck `sending` (worker died).

    A `sending` row counts as stuck only after the task's hard time limit plus a minute too, so a
    send still in progress is never started twice. Rows are re-queued under their row locks and dispatched after
    commit; the send task's own lock and status check make an extra dispatch harmless.
    """
    now = timezone.now()
    stuck_after = max(older_than, dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60))
    due = Q(status=Notification.Status.QUEUED, queued_at__lt=now - older_than) | Q(
        status=Notification.Status.SENDING, updated_at__lt=now - stuck_after
    )
    ids = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(due)
        .order_by("queued_at")
        .values_list("pk", flat=True)[:limit]
    )
    Notification.objects.filter(pk__in=ids).update(status=Notification.Status.QUEUED, queued_at=now, updated_at=now)
    for pk in ids:
        send_notification.delay_on_commit(pk)
    if ids:
        logger.info("notifications redriven count=%d", len(ids))
    return ids
