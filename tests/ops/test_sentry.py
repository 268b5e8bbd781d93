"""SENTRY_DSN turns on sentry-sdk with the Django and Celery integrations and no personal data (DESIGN 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
