"""With DEBUG off the embedded defaults fail every system check, naming the variable (DESIGN 8, 12)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from config.checks import embedded_defaults_check

ROOT = django_settings.BASE_DIR
PRODUCTION = {
    "DATABASE_URL": "postgres://tablekeeper:secret@db.internal:5432/tablekeeper",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
}
SECURE = {
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "tablekeeper.example.com",
}


def _engine(monkeypatch, engine: str) -> None:
    """The engine the check reads, changed in place (replacing DATABASES would reset the connections)."""
    monkeypatch.setitem(django_settings.DATABASES["default"], "ENGINE", engine)


@pytest.fixture
def production(settings, monkeypatch):
    """This process's settings as production sets them: DEBUG off, every service configured."""
    settings.DEBUG = False
    _engine(monkeypatch, "django.db.backends.postgresql")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = PRODUCTION["CELERY_BROKER_URL"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    return settings


def _ids(errors) -> list[tuple[str, str]]:
    return [(e.id, e.msg.split(":")[0]) for e in errors]


def test_production_settings_pass(production):
    assert embedded_defaults_check() == []


@pytest.mark.parametrize(
    ("embedded", "expected"),
    [
        ({"ENGINE": "django.db.backends.sqlite3"}, "E001"),
        ({"CELERY_TASK_ALWAYS_EAGER": True, "CELERY_BROKER_URL": "memory://localhost/"}, "E002"),
        ({"CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}, "E003"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "E004"),
    ],
    ids=["database", "broker", "cache", "email"],
)
def test_each_embedded_default_left_in_place_is_an_error_naming_its_variable(
    production, monkeypatch, embedded, expected
):
    variable = {"E001": "DATABASE_URL", "E002": "CELERY_BROKER_URL", "E003": "CACHE_URL", "E004": "EMAIL_URL"}
    for name, value in embedded.items():
        if name == "ENGINE":
            _engine(monkeypatch, value)
        else:
            setattr(production, name, value)

    errors = embedded_defaults_check()

    assert _ids(errors) == [(f"tablekeeper.{expected}", variable[expected])]
    assert errors[0].is_serious()  # an Error: plain `check`, `migrate` and `runserver` stop too


def test_with_debug_on_the_embedded_defaults_are_fine(settings):
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert embedded_defaults_check() == []


def test_the_check_is_registered_so_plain_check_fails(production):
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    with pytest.raises(SystemCheckError, match=r"tablekeeper.E004.*EMAIL_URL"):
        call_command("check")


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in SECURE}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("unset", list(PRODUCTION))
def test_check_deploy_fails_naming_each_variable_left_unset(unset):
    env = {**SECURE, **{k: v for k, v in PRODUCTION.items() if k != unset}}

    result = _manage("check", "--deploy", env=env)

    assert result.returncode != 0
    named = [line for line in result.stderr.splitlines() if "(tablekeeper.E" in line]
    assert len(named) == 1 and f") {unset}: " in named[0], result.stderr


def test_check_deploy_passes_with_every_variable_set():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={**SECURE, **PRODUCTION})

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_migrate_refuses_the_embedded_defaults_with_debug_off():
    result = _manage("migrate", "--plan", env=SECURE)

    assert result.returncode != 0
    for variable in PRODUCTION:
        assert f") {variable}: " in result.stderr
