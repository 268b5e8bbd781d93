"""Never twice under concurrency, on PostgreSQL: the row lock and the status check, not luck."""

from __future__ import annotations

import pytest
from django.core import mail

from bookings.services.creation import Channel
from notifications.models import Notification
from notifications.sending import notification_deliver
from notifications.services import notification_record
from notifications.tasks import send_notification
from tests.builders import GUEST_CONTACTS
from tests.concurrency import run_concurrently
from tests.notifications.conftest import build

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 8


def _race(work) -> list[BaseException]:
    """Run `work` in RACERS threads at once; the exceptions they raised."""
    return [o for o in run_concurrently(lambda _: work(), RACERS) if isinstance(o, BaseException)]


def test_concurrent_tasks_for_one_row_send_one_email(restaurant, monkeypatch):
    monkeypatch.setattr(send_notification, "delay", lambda *args: None)  # the row waits, queued
    booking = build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS).booking
    row = Notification.objects.get(booking=booking)

    errors = _race(lambda: notification_deliver(notification_id=row.pk))

    assert errors == []
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


def test_concurrent_records_of_one_event_keep_one_row(restaurant, monkeypatch):
    monkeypatch.setattr(send_notification, "delay", lambda *args: None)
    booking = build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS).booking

    errors = _race(lambda: notification_record(booking=booking, kind="confirmation", dedupe_key="change:42"))

    assert errors == []
    assert Notification.objects.filter(booking=booking, kind="confirmation").count() == 1
