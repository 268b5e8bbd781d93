"""Error tracking (DESIGN 12): sentry-sdk with the Django and Celery integrations, no personal data.

Called from settings only when SENTRY_DSN is set; unset, nothing is imported or sent. No personal
data: no user, IP, cookies or request bodies (`send_default_pii=False`, `max_request_body_size`
"never"), and no local variables of stack frames (they hold guests' names and emails).
"""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_options(*, dsn: str, environment: str, traces_sample_rate: float) -> dict:
    return {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "traces_sample_rate": traces_sample_rate,
    }


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment, traces_sample_rate=traces_sample_rate))
