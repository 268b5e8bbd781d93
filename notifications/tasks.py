"""Celery tasks: thin wrappers that load by id and call a service."""

from __future__ import annotations

import datetime as dt
import functools
import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import transaction

from notifications.sending import TRANSPORT_ERRORS, notification_deliver

logger = logging.getLogger(__name__)


class OutboxTask(DjangoTask):
    """`delay_on_commit` that never fails the request that committed.

    If the broker is unreachable the error is logged and the row stays `queued`; the periodic sweep
    (`notification_redrive`) dispatches it again.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self._delay_or_log, *args, **kwargs))

    def _delay_or_log(self, *args, **kwargs) -> None:
        try:
            self.delay(*args, **kwargs)
        except Exception:
            logger.exception("dispatch failed task=%s args=%s; left queued for the sweep", self.name, args)


@shared_task(
    base=OutboxTask,
    bind=True,
    autoretry_for=TRANSPORT_ERRORS,
    retry_backoff=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=settings.NOTIFICATION_MAX_RETRIES,
)
def send_notification(self, notification_id: int) -> None:
    notification_deliver(notification_id=notification_id, final=self.request.retries >= self.max_retries)


@shared_task(base=OutboxTask)
def allocate_booking(booking_id: str) -> None:
    """Give a new request the best free table (DESIGN 11); imported late: services dispatch this."""
    from notifications.services import booking_allocate

    booking_allocate(booking_id=booking_id)


@shared_task
def redrive_notifications(older_than_seconds: int = 60) -> int:
    """The periodic sweep (CELERY_BEAT_SCHEDULE). Imported here: services dispatch `send_notification`."""
    from notifications.services import notification_redrive

    return len(notification_redrive(older_than=dt.timedelta(seconds=older_than_seconds)))


# --- the clock (DESIGN 11): one task per job, scheduled by beat (CELERY_BEAT_SCHEDULE) ---------------
# A run may act on many rows, one transaction each: longer limits than a single send. Imported late:
# `notifications.scheduled` records notifications, whose services dispatch the send task above.
CLOCK_LIMITS = {"time_limit": 600, "soft_time_limit": 540}


def _run_job(name: str) -> int:
    from notifications.scheduled import job_run

    return job_run(name=name)


@shared_task(**CLOCK_LIMITS)
def clock_pending_attention() -> int:
    return _run_job("pending_attention")


@shared_task(**CLOCK_LIMITS)
def clock_request_expiry() -> int:
    return _run_job("request_expiry")


@shared_task(**CLOCK_LIMITS)
def clock_reminders() -> int:
    return _run_job("reminders")


@shared_task(**CLOCK_LIMITS)
def clock_end_of_day() -> int:
    return _run_job("end_of_day")


@shared_task(**CLOCK_LIMITS)
def clock_review_requests() -> int:
    return _run_job("review_requests")
