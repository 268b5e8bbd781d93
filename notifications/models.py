"""The notification outbox (DESIGN 3, 6): one row per booking event that must reach an inbox.

A row is written in the same transaction as the booking event that caused it and is the source of
truth for delivery: the Celery task only moves it along queued → sending → sent / failed, or marks it
skipped when nobody can be mailed. `dedupe_key` names the event (creation, a BookingStatusChange, or
a modification), so the unique constraint makes a repeated save, task or sweep a no-op.
"""

from django.db import models

from bookings.contacts import Recipient
from bookings.models import Booking


class Notification(models.Model):
    class Kind(models.TextChoices):
        REQUEST_RECEIVED = "request_received", "Request received"
        CONFIRMATION = "confirmation"
        RESTAURANT_CANCELLATION = "restaurant_cancellation", "Cancelled by the restaurant"
        GUEST_CANCELLATION = "guest_cancellation", "Cancelled by the guest"
        UPDATED = "updated"
        MODIFICATION_REQUESTED = "modification_requested", "Change requested by the guest"
        BOOKING_DECLINED = "booking_declined", "Request declined"
        REMINDER_24H = "reminder_24h", "Reminder (24 hours)"
        REMINDER_2H = "reminder_2h", "Reminder (2 hours)"
        REVIEW_REQUEST = "review_request", "Review request"
        STAFF_NEW_REQUEST = "staff_new_request", "New request (to staff)"
        STAFF_GUEST_CHANGED = "staff_guest_changed", "Changed by the guest (to staff)"
        STAFF_GUEST_CANCELLED = "staff_guest_cancelled", "Cancelled by the guest (to staff)"
        STAFF_PENDING_ATTENTION = "staff_pending_attention", "Request waiting (to staff)"

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)

    # Who each kind is for (DESIGN 6). Guest-facing kinds go to the guest's own email, else to the
    # restaurant as the fallback; guest-only kinds never fall back (a reminder is no use to the
    # restaurant); staff kinds go to the restaurant's contact email.
    GUEST_ONLY_KINDS = frozenset({Kind.REMINDER_24H, Kind.REMINDER_2H, Kind.REVIEW_REQUEST})
    STAFF_KINDS = frozenset(
        {Kind.STAFF_NEW_REQUEST, Kind.STAFF_GUEST_CHANGED, Kind.STAFF_GUEST_CANCELLED, Kind.STAFF_PENDING_ATTENTION}
    )
    GUEST_FACING_KINDS = frozenset(Kind) - STAFF_KINDS
    dedupe_key = models.CharField(max_length=120, help_text="The event that caused this row.")
    recipient = models.CharField(max_length=254, blank=True, help_text="Resolved at send time.")
    # restaurant_fallback: the restaurant's own contact address, a guest email's fallback or a staff email.
    recipient_source = models.CharField(max_length=24, choices=Recipient.choices, default=Recipient.NONE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    queued_at = models.DateTimeField(help_text="When the row was last handed to the broker (or tried to be).")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "dedupe_key"], name="notification_once_per_event"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["queued", "sending", "sent", "failed", "skipped"],
                    recipient_source__in=Recipient.values,
                ),
                name="notification_status_and_source_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "queued_at"], name="notification_status_queued_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.booking.reference} ({self.status})"
