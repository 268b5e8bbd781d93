"""The systemd units in deploy/ run as a non-root user, read one environment file, and every command
they run exists (DESIGN 12; docs/operations.md "Deploying").

Each unit is parsed as systemd reads it, rendered for this checkout (its WorkingDirectory, /srv/
tablekeeper, becomes the repository), and each ExecStart/ExecStartPre is checked: the executable is
in the virtualenv, `manage.py` knows the command, and gunicorn accepts its config and the app.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
INSTALLED_AT = "/srv/tablekeeper"


def parse(unit: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(unit.read_text())
    return parser


def commands(unit: Path) -> list[list[str]]:
    service = parse(unit)["Service"]
    lines = [service[key] for key in ("ExecStartPre", "ExecStart") if key in service]
    return [shlex.split(line.replace(INSTALLED_AT, str(ROOT))) for line in lines]


def test_there_is_a_unit_for_web_worker_and_beat():
    assert [u.name for u in UNITS] == [
        "tablekeeper-beat.service",
        "tablekeeper-web.service",
        "tablekeeper-worker.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_each_unit_runs_as_tablekeeper_from_the_env_file_and_restarts(unit):
    service = parse(unit)["Service"]

    assert service["User"] == service["Group"] == "tablekeeper"
    assert service["User"] != "root"
    assert service["EnvironmentFile"] == "/etc/tablekeeper/env"
    assert service["WorkingDirectory"] == INSTALLED_AT
    assert service["Restart"] == "on-failure"
    assert parse(unit)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_every_command_a_unit_runs_exists(unit):
    for command in commands(unit):
        executable = Path(command[0])
        assert executable.is_relative_to(ROOT / ".venv/bin"), command
        assert executable.is_file() and os.access(executable, os.X_OK), command
        if executable.name.startswith("python"):
            assert command[1] == "manage.py" and command[2] in get_commands(), command
        if executable.name == "celery":
            assert command[1:3] == ["-A", "config"] and command[3] in {"worker", "beat"}, command


def test_the_web_unit_runs_gunicorn_with_a_config_it_accepts():
    (check, gunicorn) = commands(DEPLOY / "tablekeeper-web.service")
    assert check[1:] == ["manage.py", "check", "--deploy"]

    result = subprocess.run(
        [*gunicorn, "--check-config"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )

    assert result.returncode == 0, result.stderr


def test_the_worker_and_beat_find_the_celery_app():
    result = subprocess.run(
        [str(ROOT / ".venv/bin/celery"), "-A", "config", "report"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert "tablekeeper" in result.stdout


def test_beat_keeps_its_state_outside_the_code():
    service = parse(DEPLOY / "tablekeeper-beat.service")["Service"]

    assert service["StateDirectory"] == "tablekeeper"
    assert "--schedule=/var/lib/tablekeeper/celerybeat-schedule" in service["ExecStart"]


def test_the_example_environment_names_every_production_variable():
    names = {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines() if "=" in line}
    names = {n for n in names if not n.startswith("#")}

    assert {"DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= names
    assert {"EMAIL_URL", "SITE_URL", "TRUSTED_PROXY_COUNT", "LOG_FORMAT", "SENTRY_DSN"} <= names


def test_the_operations_doc_lists_every_variable_the_app_reads():
    read = set(re.findall(r'env\.\w+\("([A-Z0-9_]+)"', (ROOT / "config/settings.py").read_text()))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", (ROOT / "docs/operations.md").read_text(), re.M))
    documented |= {"EMAIL_BACKEND", "ANYMAIL"}  # one row: "`EMAIL_BACKEND`, `ANYMAIL`"

    assert "STAFF_2FA_REQUIRED" in read and "LOG_FORMAT" in read
    assert sorted(read - documented) == []
