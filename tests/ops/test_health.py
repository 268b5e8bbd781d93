"""`/health/live` and `/health/ready` (DESIGN 12): 200, or 503 naming the failing part; no auth, no personal data.

Nothing shared is stopped: a part is made to fail by pointing it at a closed port (or a path that
cannot exist), the outbox by ageing one row.
"""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from config import celery_app, health
from notifications.models import Notification
from tests.builders import GUEST_CONTACTS, RequestBuilder, tomorrow
from tests.factories import TableFactory

pytestmark = pytest.mark.django_db
build = RequestBuilder(day=tomorrow)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


@pytest.fixture
def booked(restaurant):
    """A booking and its queued notifications: guest data that the health answer must never show."""
    TableFactory(restaurant=restaurant, max_seats=4)
    return build.create(restaurant, **GUEST_CONTACTS).booking


def test_live_answers_without_signing_in(client):
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_is_200_with_every_part_up(client, booked):
    response = client.get("/health/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "outbox"}
    assert all(check["ok"] for check in body["checks"].values())


def test_ready_names_the_database_when_it_cannot_be_reached(client, monkeypatch, tmp_path):
    default = django_settings.DATABASES["default"]
    broken = dict(default)
    if connections["default"].vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    else:
        broken["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    wrapper = connections["default"].__class__(broken, alias="default")
    monkeypatch.setattr(health, "connections", {"default": wrapper})

    response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["database", "outbox"]
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}


def test_ready_names_the_cache_when_redis_cannot_be_reached(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    assert response.json()["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


@pytest.fixture
def real_broker():
    """Celery as production runs it (not eager), pointed at a broker URL the test chooses."""
    saved = {k: celery_app.conf.get(k) for k in ("task_always_eager", "broker_write_url")}

    def point_at(url: str) -> None:
        celery_app.conf.update(task_always_eager=False, broker_write_url=url)
        celery_app._pool = None

    yield point_at
    celery_app.conf.update(saved)
    celery_app._pool = None


def test_ready_names_the_broker_when_redis_cannot_be_reached(client, real_broker):
    real_broker(f"redis://127.0.0.1:{_closed_port()}/0")

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.redis
def test_ready_checks_a_real_broker(client, real_broker):
    import os

    real_broker(os.environ["CELERY_BROKER_URL"])

    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True}


def test_without_a_broker_ready_says_tasks_run_in_the_web_process(client):
    broker = client.get("/health/ready").json()["checks"]["broker"]

    assert broker == {"ok": True, "detail": "no broker configured: tasks run in the web process"}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)


@pytest.mark.usefixtures("frozen")
def test_ready_fails_when_the_oldest_queued_notification_is_ten_minutes_old(client, booked):
    oldest = Notification.objects.filter(booking=booked, status="queued").earliest("created_at")
    Notification.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["failing"] == ["outbox"]
    assert response.json()["checks"]["outbox"] == {"ok": False, "oldestQueuedSeconds": 600, "maxSeconds": 600}


@pytest.mark.usefixtures("frozen")
def test_a_queued_notification_younger_than_ten_minutes_is_fine(client, booked):
    oldest = Notification.objects.filter(booking=booked, status="queued").earliest("created_at")
    Notification.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - dt.timedelta(minutes=9, seconds=59))

    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"]["outbox"]["oldestQueuedSeconds"] == 599


def test_no_personal_data_in_the_answers(client, booked):
    Notification.objects.filter(booking=booked).update(created_at=timezone.now() - dt.timedelta(hours=1))

    bodies = client.get("/health/ready").content.decode() + client.get("/health/live").content.decode()

    for value in (booked.customer_name, booked.customer_email, booked.customer_phone, booked.reference):
        assert value not in bodies


def test_health_answers_on_plain_http_when_everything_else_redirects_to_https(client, settings):
    """A load balancer probes over plain HTTP on the private network (SECURE_REDIRECT_EXEMPT)."""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/health/live").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
