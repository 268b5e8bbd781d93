"""The floor: the anchor's create plus only the steps DESIGN's fixed rules require of a create.

What is it for? Issue 9 asks the ops create for 0.6x the anchor's throughput. This endpoint says what
the rules alone cost, written the plain way (DRF and the ORM, no business rule at all), so that
Tablekeeper's figure can be read against it (bench/README.md). `POST /floor-bookings`, served with
`floor_settings.py`:

1. `auth`: DRF token authentication, 1 statement (Tablekeeper reads the memberships in that one too);
2. `throttle`: a per-user-and-restaurant rate limit, Tablekeeper's own (`config.throttling.hit`,
   scope `floor_create`): 1 Redis round trip, 429 past the limit;
3. `key`: the idempotency key looked up before any lock, so a replay is answered at once (DESIGN 5.4);
4. in one transaction: `lock`, the restaurant-and-date advisory lock with a lock timeout; `day`, the
   day's bookings read under it; `customer`, the guest's customer inserted (with a placeholder email
   when the guest gave none, as Tablekeeper's walk-ins get); the booking inserted by the
   serializer's `save()` (always) and `outbox`, the row a post_save receiver records for the email;
   `history`, the status-history row; then COMMIT;
5. `publish`: after commit, the outbox row's send task published to Redis (Celery, queue
   `anchor-floor`, never consumed);
6. the answer: the serializer's representation of the booking (a `ModelSerializer`, as the anchor's).

It does not validate opening hours, tables or capacity, normalise contacts, or log anything.
`FLOOR_STEPS` (comma-separated, `steps.py`; default all) leaves steps out to see what each costs:
with none, it is the anchor's row written to the floor's table (wider: a customer, a status, the key
with its unique index) with the floor's settings, in a transaction.
"""

from __future__ import annotations

import functools
import os

from celery import Celery
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from bench.anchor.models import FloorBooking, FloorCustomer, FloorOutbox, FloorStatusChange
from bench.anchor.steps import FLOOR_STEPS, parse_steps
from config.throttling import hit  # importing it also loads Tablekeeper's Celery app, unused here

try:
    ENABLED = frozenset(parse_steps(os.environ.get("FLOOR_STEPS", ",".join(FLOOR_STEPS))))
except ValueError as error:
    raise ImproperlyConfigured(f"FLOOR_STEPS: {error}") from error

app = Celery("anchor")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="anchor.floor_send")
def floor_send(outbox_id: int) -> int:
    return outbox_id


@receiver(post_save, sender=FloorBooking, dispatch_uid="anchor.floor_outbox")
def floor_outbox(sender, instance: FloorBooking, created: bool, **kwargs) -> None:
    if created and "outbox" in ENABLED:
        row = FloorOutbox.objects.create(booking=instance, kind="request_received", recipient=instance.customer_email)
        if "publish" in ENABLED:
            transaction.on_commit(functools.partial(floor_send.delay, row.pk))


class FloorBookingSerializer(serializers.ModelSerializer):
    class Meta:
        model = FloorBooking
        exclude = ["customer", "status", "idempotency_key"]


class FloorBookingViewSet(viewsets.GenericViewSet):
    serializer_class = FloorBookingSerializer
    authentication_classes = [TokenAuthentication] if "auth" in ENABLED else []
    permission_classes = [IsAuthenticated] if "auth" in ENABLED else []

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "throttle" in ENABLED:
            wait = hit("floor_create", f"user:{request.user.pk}:{data['restaurant_id']}")
            if wait is not None:
                raise exceptions.Throttled(wait=wait)
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        if "key" in ENABLED and key is not None:
            twin = FloorBooking.objects.filter(restaurant_id=data["restaurant_id"], idempotency_key=key).first()
            if twin is not None:
                return Response(self.get_serializer(twin).data)
        with transaction.atomic():
            if "lock" in ENABLED:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('lock_timeout', '5s', true), pg_advisory_xact_lock(hashtext(%s))",
                        [f"{data['restaurant_id']}:{data['booking_date']}"],
                    )
            if "day" in ENABLED:
                day = FloorBooking.objects.filter(
                    restaurant_id=data["restaurant_id"], booking_date=data["booking_date"]
                )
                list(day.values_list("start_time", "party_size", "status"))
            customer = None
            if "customer" in ENABLED:
                customer = FloorCustomer.objects.create(
                    restaurant_id=data["restaurant_id"],
                    email=data["customer_email"] or f"walkin+{data['client_request_id']}@system.local",
                    phone=data["customer_phone"],
                    full_name=data["customer_name"],
                )
            booking = serializer.save(customer=customer, idempotency_key=key)
            if "history" in ENABLED:
                FloorStatusChange.objects.create(booking=booking, to_status=booking.status)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


router = SimpleRouter(trailing_slash=False)
router.register("floor-bookings", FloorBookingViewSet, basename="floor-booking")
urlpatterns = router.urls
