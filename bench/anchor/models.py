import uuid

from django.db import models


class BenchBooking(models.Model):
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
        indexes = [models.Index(fields=["restaurant_id", "booking_date"], name="anchor_day_idx")]

    def __str__(self) -> str:
        return f"{self.customer_name} {self.booking_date} {self.start_time}"
