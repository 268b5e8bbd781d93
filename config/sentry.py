"""Error tracking (DESIGN 12): sentry-sdk with the Django and Celery integrations, no personal data.

Called from settings only when SENTRY_DSN is set; unset, nothing is imported or sent. No personal
data: no user, IP, cookies or request bodies (`send_default_pii=False`, `max_request_body_size`
"never"), no local variables of stack frames (they hold guests' names and emails), and every
email address left in an event or a breadcrumb (an exception's message, a log line) replaced by
`[email]`, as the logs do.
"""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from config.logs import redact


def scrub(value):
    """`value` with every email address in its strings replaced, however deeply nested."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def _scrub_event(event: dict, hint: dict) -> dict:
    return scrub(event)


def sentry_options(*, dsn: str, environment: str, traces_sample_rate: float) -> dict:
    return {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "before_send": _scrub_event,
        "before_send_transaction": _scrub_event,
        "before_breadcrumb": _scrub_event,
        "traces_sample_rate": traces_sample_rate,
    }


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment, traces_sample_rate=traces_sample_rate))
