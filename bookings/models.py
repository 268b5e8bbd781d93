import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from bookings.contacts import Recipient, is_placeholder_email, recipient_for
from restaurants.models import Restaurant, Table

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I
REFERENCE_LENGTH = 10


def generate_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def generate_nonce() -> str:
    return secrets.token_hex(16)


class RandomHex(models.Func):
    """32 random hex digits made by the database: `manage_nonce`'s default for rows inserted by the
    previous release's code while `migrate` runs (docs/operations.md, "Upgrading")."""

    output_field = models.CharField(max_length=32)

    def as_sql(self, compiler, connection, **extra_context):
        return "lower(hex(randomblob(16)))", []  # SQLite

    def as_postgresql(self, compiler, connection, **extra_context):
        return "replace(gen_random_uuid()::text, '-', '')", []


class Customer(models.Model):
    """A guest identity, scoped to one restaurant; see `customer_upsert` for the rules."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="customers")
    full_name = models.CharField(max_length=120)
    email = models.CharField(max_length=254, help_text="Trimmed, lower-cased; may be a placeholder.")
    phone = models.CharField(max_length=40, help_text="Digits and a leading +; may be a placeholder.")
    marketing_opt_in = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Edits are kept (admin, upserts that fill a placeholder); a new identity is inserted by one
    # raw statement (`bookings.services.customers`), so its creation has no history row.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["restaurant", "email"], name="customer_email_unique_per_restaurant"),
            models.UniqueConstraint(fields=["restaurant", "phone"], name="customer_phone_unique_per_restaurant"),
        ]

    def __str__(self) -> str:
        # Placeholder identities are never shown as a contact (DESIGN 3).
        return self.full_name if self.is_placeholder else f"{self.full_name} <{self.email}>"

    @property
    def is_placeholder(self) -> bool:
        return is_placeholder_email(self.email)


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PENDING_ALLOCATION = "pending_allocation", "Pending allocation"
        CONFIRMED = "confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        NO_SHOW = "no_show", "No-show"

    # Waiting for the restaurant: a request (pending) or a validated request awaiting a table.
    PENDING_STATUSES = frozenset({Status.PENDING, Status.PENDING_ALLOCATION})
    ACTIVE_STATUSES = (Status.PENDING, Status.PENDING_ALLOCATION, Status.CONFIRMED, Status.CHECKED_IN)
    # Longer than any booking the validators produce (at most a few hours): queries for bookings
    # overlapping a window start their index range this much earlier instead of at the beginning.
    MAX_SPAN = dt.timedelta(days=1)

    class BookingType(models.TextChoices):
        BREAKFAST = "breakfast"
        LUNCH = "lunch"
        DINNER = "dinner"
        DRINKS = "drinks"

    class Seating(models.TextChoices):
        ANY = "any"
        INDOOR = "indoor"
        OUTDOOR = "outdoor"
        BAR = "bar"
        WINDOW = "window"
        QUIET = "quiet"
        BOOTH = "booth"

    class Source(models.TextChoices):
        WEB = "web"
        WALK_IN = "walk-in", "Walk-in"
        PHONE = "phone"
        ADMIN = "admin"

    # Fields whose loaded values the instance remembers, so the post_save receiver can tell a
    # status change or a modification from a plain save.
    TRACKED_FIELDS = ("status", "booking_date", "start_time", "party_size")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=REFERENCE_LENGTH, unique=True, default=generate_reference, editable=False)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.PROTECT, related_name="bookings")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bookings")
    booking_date = models.DateField(help_text="Local date in the restaurant's timezone.")
    start_time = models.TimeField(help_text="Local wall-clock time.")
    end_time = models.TimeField(help_text="Local wall-clock time.")
    start_at = models.DateTimeField(help_text="UTC instant of start_time on booking_date.")
    end_at = models.DateTimeField()
    party_size = models.PositiveSmallIntegerField()
    booking_type = models.CharField(max_length=16, choices=BookingType.choices)
    seating_preference = models.CharField(max_length=16, choices=Seating.choices, default=Seating.ANY)
    status = models.CharField(max_length=24, choices=Status.choices, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    customer_name = models.CharField(max_length=120)
    customer_email = models.CharField(max_length=254, help_text="The booking's notification address.")
    customer_phone = models.CharField(max_length=40, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    marketing_opt_in = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    client_request_id = models.UUIDField(default=uuid.uuid4)
    details = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    # The latest entry into a pending status (creation, or a modification that sent it back) and into
    # confirmed: the clock measures waiting requests and reminders from them (DESIGN 11).
    pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The secret half of the guest's manage link (bookings.tokens); a new nonce revokes every link.
    manage_nonce = models.CharField(max_length=32, default=generate_nonce, db_default=RandomHex(), editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_at"]
        indexes = [
            models.Index(fields=["restaurant", "booking_date", "status"], name="booking_day_status_idx"),
            models.Index(fields=["restaurant", "start_at"], name="booking_restaurant_start_idx"),
            # The clock's due queries (DESIGN 11): each reads one window of one of these.
            models.Index(
                fields=["pending_since"],
                condition=Q(status__in=["pending", "pending_allocation"]),
                name="booking_waiting_idx",
            ),
            models.Index(
                fields=["start_at"],
                condition=Q(status__in=["pending", "pending_allocation", "confirmed", "checked_in"]),
                name="booking_active_start_idx",
            ),
            models.Index(fields=["checked_out_at"], condition=Q(status="completed"), name="booking_completed_idx"),
            # The per-email limit of the web channel (DESIGN 10).
            models.Index(fields=["restaurant", "customer_email", "created_at"], name="booking_email_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="booking_idempotency_key_unique_per_restaurant",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "client_request_id"], name="booking_client_request_id_unique_per_restaurant"
            ),
            models.CheckConstraint(condition=Q(party_size__gt=0), name="booking_party_size_positive"),
            models.CheckConstraint(condition=Q(start_at__lt=F("end_at")), name="booking_start_before_end"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "pending_allocation",
                        "confirmed",
                        "checked_in",
                        "completed",
                        "cancelled",
                        "no_show",
                    ]
                ),
                name="booking_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=["pending", "pending_allocation", "confirmed", "no_show"],
                        checked_in_at__isnull=True,
                        checked_out_at__isnull=True,
                    )
                    | Q(status="checked_in", checked_in_at__isnull=False, checked_out_at__isnull=True)
                    | Q(
                        status="completed",
                        checked_in_at__isnull=False,
                        checked_out_at__isnull=False,
                        checked_out_at__gte=F("checked_in_at"),
                    )
                    | Q(status="cancelled")
                ),
                name="booking_lifecycle_timestamps_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.customer_name} ({self.party_size}) {self.booking_date} {self.start_time:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)  # post_save receivers still see the loaded values here
        self._loaded_values = self._snapshot()

    # --- loaded-state memory ------------------------------------------------------------------
    _loaded_values: dict = {}
    # Set by `booking_modify` for the save it makes: the guest changed their own booking (the
    # notifications send `modification_requested` instead of `updated`, DESIGN 6).
    changed_by_guest = False

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = instance._snapshot()
        return instance

    def _snapshot(self) -> dict:
        deferred = self.get_deferred_fields()
        return {f: getattr(self, f) for f in self.TRACKED_FIELDS if f not in deferred}

    @property
    def loaded_status(self) -> str | None:
        """The status this instance was loaded with (None for a new booking)."""
        return self._loaded_values.get("status")

    @property
    def slot_changed(self) -> bool:
        """Date, time or party size differ from what was loaded (a modification)."""
        if not self._loaded_values:
            return False
        return any(self._loaded_values.get(f) != getattr(self, f) for f in ("booking_date", "start_time", "party_size"))

    # --- derived ------------------------------------------------------------------------------
    @property
    def provided_contact(self) -> dict:
        return (self.details or {}).get("providedContact", {"email": True, "phone": True})

    @property
    def guest_email(self) -> str:
        """The address the guest gave, or "" (the stored one may be the restaurant's or a placeholder)."""
        return recipient_for(self, fallback="").address

    @property
    def notification_recipient(self) -> Recipient:
        """Who this booking's notifications are for, derived from the booking itself (DESIGN 5.2)."""
        return recipient_for(self, fallback=self.customer_email).source


class BookingStatusChange(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, blank=True, help_text="Blank for creation.")
    to_status = models.CharField(max_length=24)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        get_latest_by = ["changed_at", "id"]

    def __str__(self) -> str:
        """In words ("Pending allocation → Confirmed"): the admin shows it above each history row."""
        labels = dict(Booking.Status.choices)
        to_status = labels.get(self.to_status, self.to_status)
        if not self.from_status:
            return f"Created as {to_status}"
        return f"{labels.get(self.from_status, self.from_status)} → {to_status}"


class TableAssignment(models.Model):
    """A table given to a booking; `released_at` is set at check-out or when a modification frees it.

    No two unreleased assignments of one table overlap in time: held by the per-restaurant-and-date
    lock that assignment, modification and creation all take (bookings.locking).
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="table_assignments")
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["table__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "table"],
                condition=Q(released_at__isnull=True),
                name="table_assignment_active_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table.name} → {self.booking.reference}"
