"""SENTRY_DSN turns on sentry-sdk with the Django and Celery integrations and no personal data (DESIGN 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = (
    "import json, django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
    "print(json.dumps({'active': c.is_active(), 'pii': c.options.get('send_default_pii'), "
    "'locals': c.options.get('include_local_variables'), 'body': c.options.get('max_request_body_size'), "
    "'integrations': sorted(getattr(c, 'integrations', {}))}))"
)


def _probe(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_dsn_turns_on_sentry_with_django_and_celery_and_no_personal_data():
    # Port 9 (discard) on loopback: nothing is sent by starting up, and nothing could leave the machine.
    client = _probe(SENTRY_DSN="http://public@127.0.0.1:9/1")

    assert client["active"] is True
    assert {"django", "celery"} <= set(client["integrations"])
    assert (client["pii"], client["locals"], client["body"]) == (False, False, "never")


def test_without_a_dsn_sentry_is_off():
    assert _probe()["active"] is False


@pytest.mark.filterwarnings("ignore:The send_default_pii option is deprecated:DeprecationWarning")
def test_an_email_in_an_exception_or_a_log_line_never_reaches_sentry():
    """A database error naming a guest's email, and a log line: what leaves carries `[email]`."""
    import logging

    import sentry_sdk
    from sentry_sdk.transport import Transport

    from config.sentry import sentry_options

    sent: list[bytes] = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            sent.append(envelope.serialize())

    options = sentry_options(dsn="http://public@127.0.0.1:9/1", environment="test", traces_sample_rate=0.0)
    sentry_sdk.init(**options, transport=Capture, default_integrations=False)
    try:
        logging.getLogger("tablekeeper.test").warning("looked up ada.guest@example.com")
        try:
            raise ValueError("duplicate key: (email)=(ada.guest@example.com) already exists")
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
        sentry_sdk.flush()
    finally:
        sentry_sdk.init()  # off again for the rest of the run

    body = b"".join(sent).decode()
    assert "already exists" in body and "looked up [email]" in body
    assert "ada.guest@example.com" not in body
