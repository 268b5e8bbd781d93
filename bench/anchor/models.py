import uuid

from django.db import models


class BookingShape(models.Model):
    """Shaped like a Tablekeeper booking row, nothing more: no status, no lifecycle, no outbox."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant_id = models.UUIDField()
    booking_date = models.DateField()
    start_time = models.TimeField()
    party_size = models.PositiveSmallIntegerField()
    customer_name = models.CharField(max_length=120)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    # Unique, so the ModelSerializer checks it first: a create is 2 statements (that check, the INSERT).
    client_request_id = models.UUIDField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.customer_name} {self.booking_date} {self.start_time}"


class BenchBooking(BookingShape):
    """The anchor's row (`views.py`)."""

    class Meta:
        indexes = [models.Index(fields=["restaurant_id", "booking_date"], name="anchor_day_idx")]


# --- the floor (bench/anchor/floor.py): the anchor's row plus what the fixed rules make a create write --
class FloorCustomer(models.Model):
    restaurant_id = models.UUIDField()
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    full_name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["restaurant_id", "email"], name="floor_customer_email_uniq")]

    def __str__(self) -> str:
        return self.email


class FloorBooking(BookingShape):
    """The anchor's booking row with a customer, a status and an idempotency key unique per restaurant."""

    customer = models.ForeignKey(FloorCustomer, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=20, default="pending")
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["restaurant_id", "booking_date"], name="floor_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["restaurant_id", "idempotency_key"], name="floor_key_uniq"),
        ]


class FloorStatusChange(models.Model):
    booking = models.ForeignKey(FloorBooking, on_delete=models.CASCADE)
    to_status = models.CharField(max_length=20)
    changed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.booking_id} -> {self.to_status}"


class FloorOutbox(models.Model):
    booking = models.ForeignKey(FloorBooking, on_delete=models.CASCADE)
    kind = models.CharField(max_length=40)
    recipient = models.CharField(max_length=254)
    status = models.CharField(max_length=20, default="queued")

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"
