"""With DEBUG off, the embedded defaults are errors (DESIGN 8, 12).

The embedded default (SQLite file, eager Celery, local-memory cache, console email) is right on a
laptop and wrong on a server: each web node would get its own database file, tasks would run inside
requests, throttles and lockouts would count per process, and emails would go to the console marked
`sent`. So once DEBUG is off, every default still in place is an Error naming the variable that
replaces it. Errors (not deploy-only warnings) because plain `check`, `migrate` and `runserver` run
them too: a server started with a forgotten variable refuses to start instead of quietly losing data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
LOCAL_EMAIL = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


def _error(number: int, variable: str, message: str, hint: str) -> Error:
    return Error(f"{variable}: {message}", hint=hint, id=f"tablekeeper.E{number:03d}")


def embedded_defaults_check(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        errors.append(
            _error(
                1,
                "DATABASE_URL",
                "the database is not PostgreSQL (the embedded default is a SQLite file on this machine).",
                "Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME.",
            )
        )
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        errors.append(
            _error(
                2,
                "CELERY_BROKER_URL",
                "no broker is set, so tasks would run inside web requests.",
                "Set CELERY_BROKER_URL=redis://HOST:6379/0 and run a worker and beat.",
            )
        )
    if settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES:
        errors.append(
            _error(
                3,
                "CACHE_URL",
                "the cache is local to one process, so throttles would count per process.",
                "Set CACHE_URL=redis://HOST:6379/1.",
            )
        )
    if settings.EMAIL_BACKEND in LOCAL_EMAIL:
        errors.append(
            _error(
                4,
                "EMAIL_URL",
                "emails would be written to the console or a file and never delivered.",
                "Set EMAIL_URL=smtp+tls://USER:PASSWORD@HOST:587 or an anymail EMAIL_BACKEND.",
            )
        )
    return errors
