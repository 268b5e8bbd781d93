"""Retries, failure, "send again" and the sweep (DESIGN 6), with the eager task and locmem email."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.services import lifecycle
from bookings.services.creation import Channel
from config.errors import Conflict
from notifications.models import Notification
from notifications.sending import notification_deliver
from notifications.services import notification_redrive, notification_send_again
from notifications.tasks import send_notification
from tests.builders import GUEST_CONTACTS
from tests.notifications.conftest import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_smtp(monkeypatch):
    """The mail server answers 451 for the first `failures` messages, then accepts."""
    state = {"failures": 0, "tried": 0}
    real_send = EmailBackend.send_messages

    def send_messages(self, messages):
        state["tried"] += 1
        if state["tried"] <= state["failures"]:
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    monkeypatch.setattr(send_notification, "max_retries", 3)
    return state


def test_a_temporary_failure_is_retried_and_sent_once(restaurant, committed, flaky_smtp):
    flaky_smtp["failures"] = 2

    with committed():
        build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)

    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_retries_end_in_failed_with_the_error_kept(restaurant, committed, flaky_smtp):
    flaky_smtp["failures"] = 99

    with committed():
        build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)

    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("failed", 4)  # the first try and max_retries=3 more
    assert row.last_error == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert mail.outbox == []


def test_between_retries_the_row_waits_queued_and_the_sweep_recovers_a_lost_retry(
    restaurant, committed, flaky_smtp, monkeypatch, time_machine
):
    flaky_smtp["failures"] = 1
    monkeypatch.setattr(send_notification, "delay", lambda *args: None)  # dispatch and the retry are lost
    build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)
    row = Notification.objects.get()
    with pytest.raises(smtplib.SMTPDataError):
        notification_deliver(notification_id=row.pk, final=False)  # an attempt with retries left

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    assert "451" in row.last_error
    assert notification_redrive(older_than=dt.timedelta(0)) == []  # its retry is still due

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=11))
    monkeypatch.undo()
    with committed():
        assert notification_redrive(older_than=dt.timedelta(seconds=60)) == [row.pk]

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_an_error_that_is_not_the_transport_ends_failed_at_once(restaurant, committed, monkeypatch):
    def broken_template(*, notification):
        raise ValueError("template went wrong")

    monkeypatch.setattr("notifications.sending.build_email", broken_template)
    with committed():
        build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)

    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "ValueError: template went wrong"
    assert notification_redrive(older_than=dt.timedelta(0)) == []  # failed rows wait for "send again"


def test_a_ticket_for_a_booking_cancelled_before_it_went_out_is_skipped(restaurant, monkeypatch):
    monkeypatch.setattr(send_notification, "delay", lambda *args: None)  # the broker holds the rows back
    booking = build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS).booking
    lifecycle.booking_confirm(booking=booking, actor=None)
    lifecycle.booking_cancel(booking=booking, actor=None)

    for row in Notification.objects.order_by("pk"):
        notification_deliver(notification_id=row.pk)

    rows = {row.kind: row for row in Notification.objects.all()}
    assert rows["confirmation"].status == "skipped"
    assert "ticket is no longer valid" in rows["confirmation"].last_error
    assert rows["request_received"].status == "skipped"
    assert [m.subject for m in mail.outbox] == [f"Important update on your booking – {restaurant.name}"]


def test_a_permanent_refusal_is_not_retried(restaurant, committed, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"guest@example.com": (550, b"5.1.1 No such user")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with committed():
        build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)

    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "No such user" in row.last_error


def test_send_again_requeues_the_same_row_and_sends_it(restaurant, committed, flaky_smtp):
    flaky_smtp["failures"] = 4
    with committed():
        build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)
    row = Notification.objects.get()

    with committed():
        notification_send_again(notification=row)

    row.refresh_from_db()
    assert (row.status, row.attempts, row.dedupe_key) == ("sent", 5, "created")
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_only_failed_rows_can_be_sent_again(make_booking):
    make_booking(channel=Channel.OPS, **GUEST_CONTACTS)

    with pytest.raises(Conflict, match="Only failed notifications can be sent again"):
        notification_send_again(notification=Notification.objects.get())
    assert len(mail.outbox) == 1


def _broker_down(*args, **kwargs):
    raise OSError("Connection refused")


def _queued_row(restaurant, committed, monkeypatch) -> Notification:
    """A row whose dispatch was lost (broker down at commit)."""
    with monkeypatch.context() as patch, committed():
        patch.setattr(send_notification, "delay", _broker_down)
        build.create(restaurant, channel=Channel.OPS, **GUEST_CONTACTS)
    return Notification.objects.get()


def test_redrive_sends_rows_left_queued_past_the_threshold(restaurant, committed, monkeypatch):
    row = _queued_row(restaurant, committed, monkeypatch)

    with committed():
        call_command("notifications_redrive")  # default 60 s: too young yet
    assert mail.outbox == []
    Notification.objects.update(queued_at=timezone.now() - dt.timedelta(seconds=61))
    with committed():
        call_command("notifications_redrive")

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_redrive_resends_a_stuck_sending_row_but_not_one_in_progress(restaurant, committed, monkeypatch):
    row = _queued_row(restaurant, committed, monkeypatch)
    Notification.objects.update(status="sending", attempts=1, updated_at=timezone.now() - dt.timedelta(seconds=90))

    with committed():
        call_command("notifications_redrive", "--older-than", "0")  # a send may still be running
    assert mail.outbox == []

    Notification.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=5))  # past time limit + a minute
    with committed():
        call_command("notifications_redrive", "--older-than", "0")

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_redrive_rejects_a_negative_threshold():
    with pytest.raises(CommandError, match="0 or more"):
        call_command("notifications_redrive", "--older-than", "-1")


def test_the_sweep_is_scheduled_every_minute_and_sends_what_was_left(settings, restaurant, committed, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-redrive"]
    assert (entry["task"], entry["schedule"]) == ("notifications.tasks.redrive_notifications", 60.0)
    row = _queued_row(restaurant, committed, monkeypatch)
    Notification.objects.update(queued_at=timezone.now() - dt.timedelta(minutes=2))

    with committed():
        redriven = send_notification.app.tasks[entry["task"]](**entry["kwargs"])

    assert redriven == 1
    row.refresh_from_db()
    assert row.status == "sent"
    assert len(mail.outbox) == 1
