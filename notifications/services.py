"""Writes to the outbox: record a booking event, send a failed row again, re-dispatch stuck rows.

Delivery itself (locking a row, resolving the recipient, sending) lives in `notifications.sending`,
which the Celery task calls; this module only records rows and hands their ids to the broker after
commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking, BookingStatusChange
from bookings.services.allocation import booking_auto_allocate
from bookings.services.lifecycle import DECLINED, EXPIRED
from config.errors import Conflict
from notifications.models import Notification
from notifications.tasks import allocate_booking, send_notification

logger = logging.getLogger(__name__)

S = Booking.Status
Kind = Notification.Kind


def booking_save_events(*, booking: Booking, created: bool) -> list[tuple[str, str]]:
    """The (kind, dedupe_key) pairs one post_save of a booking must notify (DESIGN 6).

    Creation is keyed "created"; a status change by its BookingStatusChange (written before the
    save, so it is the latest); a modification that keeps the status by its new slot and time.
    Each event sends exactly one guest-facing kind: a change made by the guest through the manage
    link is `modification_requested` (plus `staff_guest_changed` to the restaurant), one made by
    staff `updated`; a declined or expired request `booking_declined`.
    """
    if created:
        if booking.status not in Booking.PENDING_STATUSES:
            return []
        events: list[tuple[str, str]] = [(Kind.REQUEST_RECEIVED, "created")]
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
        return _modified(booking, f"modified:{slot}@{booking.updated_at.isoformat()}")
    change = booking.status_changes.latest()
    key = f"change:{change.pk}"
    if booking.slot_changed:
        return _modified(booking, key)
    if new == S.CONFIRMED and old != S.NO_SHOW:
        return [(Kind.CONFIRMATION, key)]
    if new == S.CANCELLED:
        return [(kind, key) for kind in _cancellation_kinds(change)]
    return []


def _modified(booking: Booking, key: str) -> list[tuple[str, str]]:
    if booking.changed_by_guest:
        return [(Kind.MODIFICATION_REQUESTED, key), (Kind.STAFF_GUEST_CHANGED, key)]
    return [(Kind.UPDATED, key)]


def _cancellation_kinds(change: BookingStatusChange) -> list[str]:
    if change.reason in (DECLINED, EXPIRED):
        return [Kind.BOOKING_DECLINED]
    if change.metadata.get("cancelledBy") != "guest":
        return [Kind.RESTAURANT_CANCELLATION]
    if change.metadata.get("online"):  # the guest did it through the manage link: tell the restaurant
        return [Kind.GUEST_CANCELLATION, Kind.STAFF_GUEST_CANCELLED]
    return [Kind.GUEST_CANCELLATION]


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

    A booking that has just become `pending_allocation` at a restaurant that allocates on its own is
    handed to the allocation task after commit, which also decides its `request_received` email: sent
    when no table is free, superseded by the ticket when one is (DESIGN 11).
    """
    events = booking_save_events(booking=booking, created=created)
    allocates = _enters_allocation(booking, created)
    if created:
        now = timezone.now()
        rows = Notification.objects.bulk_create(
            Notification(booking=booking, kind=kind, dedupe_key=key, queued_at=now) for kind, key in events
        )
        for notification in rows:
            if not (allocates and notification.kind == Kind.REQUEST_RECEIVED):
                send_notification.delay_on_commit(notification.pk)
    else:
        rows = [n for kind, key in events if (n := notification_record(booking=booking, kind=kind, dedupe_key=key))]
    if allocates:
        allocate_booking.delay_on_commit(str(booking.pk))
    return rows


def _enters_allocation(booking: Booking, created: bool) -> bool:
    """The booking waits for a table now, at a new slot or newly, and the restaurant allocates."""
    if booking.status != S.PENDING_ALLOCATION or not booking.restaurant.auto_allocate:
        return False
    return created or booking.loaded_status != booking.status or booking.slot_changed


def booking_allocate(*, booking_id: uuid.UUID | str) -> None:
    """The allocation task's work: give the booking a table if one fits, then settle its waiting
    `request_received` email: superseded when the ticket goes instead, else dispatched."""
    booking = Booking.objects.select_related("restaurant").filter(pk=booking_id).first()
    if booking is None:
        return
    seat = booking_auto_allocate(booking=booking) if booking.restaurant.auto_allocate else None
    with transaction.atomic():
        waiting = Notification.objects.select_for_update().filter(
            booking_id=booking.pk, kind=Kind.REQUEST_RECEIVED, status=Notification.Status.QUEUED
        )
        for notification in waiting:
            if seat is None:
                send_notification.delay_on_commit(notification.pk)
                continue
            notification.status = Notification.Status.SKIPPED
            notification.last_error = "superseded: a table was assigned at once and the ticket sent instead"
            notification.save(update_fields=["status", "last_error", "updated_at"])
    logger.info("booking allocated booking_id=%s seat=%s", booking.pk, sorted(seat.table_ids) if seat else "-")


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
    rows = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(due)
        .order_by("queued_at")
        .values_list("pk", "kind", "booking_id", "booking__status", "booking__restaurant__auto_allocate")[:limit]
    )
    ids = [pk for pk, *_ in rows]
    Notification.objects.filter(pk__in=ids).update(status=Notification.Status.QUEUED, queued_at=now, updated_at=now)
    for pk, kind, booking_id, status, auto_allocate in rows:
        # A request email still waiting for its allocation task (lost with the broker): allocate first.
        if kind == Kind.REQUEST_RECEIVED and status == S.PENDING_ALLOCATION and auto_allocate:
            allocate_booking.delay_on_commit(str(booking_id))
        else:
            send_notification.delay_on_commit(pk)
    if ids:
        logger.info("notifications redriven count=%d", len(ids))
    return ids
