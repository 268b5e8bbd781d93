"""The post_save receiver on Booking: records what must be sent, in the booking's transaction.

It never sends email and never changes the booking; dispatch happens after commit.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from bookings.models import Booking
from notifications.services import booking_record_events


@receiver(post_save, sender=Booking, dispatch_uid="notifications.record_booking_events")
def record_booking_events(sender, instance: Booking, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: no event happened
        return
    booking_record_events(booking=instance, created=created)
