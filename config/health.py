"""Health endpoints for load balancers and monitors (DESIGN 12); no authentication, no personal data.

- `GET /health/live`: the process answers. 200 `{"status": "ok"}`.
- `GET /health/ready`: the parts a request needs. 200 when all pass, else 503; the body names every
  part and which failed: `{"status": "ok"|"fail", "failing": [...], "checks": {part: {"ok": bool,
  ...}}}`, parts `database`, `cache`, `broker`, `outbox`. A failure is described by its exception
  class only (messages can carry hosts and credentials). `outbox` fails when the oldest notification
  still `queued` was created HEALTH_OUTBOX_MAX_AGE_SECONDS (600) or more ago: no worker is sending.
  With no broker configured (the embedded default) tasks run eagerly and `broker` says so.

A small view rather than django-health-check: its JSON is one flat map of checker names to messages,
and the outbox rule is ours either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

Check = Callable[[], dict]


def _database() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _cache() -> dict:
    cache = caches["default"]
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": ok} if ok else {"ok": False, "error": "value not read back"}


def _broker() -> dict:
    if celery_app.conf.task_always_eager:
        return {"ok": True, "detail": "no broker configured: tasks run in the web process"}
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    return {"ok": True}


def _outbox() -> dict:
    Notification = apps.get_model("notifications", "Notification")
    oldest = Notification.objects.filter(status="queued").aggregate(oldest=Min("created_at"))["oldest"]
    age = 0 if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    limit = settings.HEALTH_OUTBOX_MAX_AGE_SECONDS
    return {"ok": age < limit, "oldestQueuedSeconds": age, "maxSeconds": limit}


CHECKS: dict[str, Check] = {"database": _database, "cache": _cache, "broker": _broker, "outbox": _outbox}


def _run(check: Check) -> dict:
    try:
        return check()
    except Exception as exc:  # whatever the driver raises: the part is down
        return {"ok": False, "error": type(exc).__name__}


@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    results = {name: _run(check) for name, check in CHECKS.items()}
    if not results["database"]["ok"]:  # the outbox is read from the database: say so, not why
        results["outbox"] = {"ok": False, "error": "database unavailable"}
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "fail" if failing else "ok", "failing": failing, "checks": results}
    return JsonResponse(body, status=503 if failing else 200)
