"""The real thing (acceptance 3, 4): a Celery worker subprocess on Redis, PostgreSQL, and an SMTP sink.

Bookings are made over HTTP against `live_server` (the public `POST /api/bookings` and the ops
`POST /api/ops/bookings`); the worker reads the pytest database and mails an aiosmtpd sink. Each test
uses its own queue name (and the broker-down test its own redis-server), so parallel runs and other
engineers' workers never take its tasks. Waits are bounded and say what they were waiting for.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from icalendar import Calendar
from rest_framework.authtoken.models import Token

from config import celery_app
from notifications.models import Notification
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory
from tests.notifications.conftest import build

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, what: str, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


class Sink:
    """An aiosmtpd handler that keeps every accepted message; answers 451 while `refusing`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused = 0
        self.refusing = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusing:
                self.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def sink():
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _broker_url(port: int | None = None) -> str:
    """The machine's Redis (DB 3, this suite's) or a private redis-server on `port`."""
    if port is not None:
        return f"redis://127.0.0.1:{port}/0"
    parts = urlsplit(os.environ["CELERY_BROKER_URL"])
    return urlunsplit(parts._replace(path="/3"))


@pytest.fixture
def queue():
    return f"tk-notify-test-{uuid.uuid4().hex[:12]}"


def _use_broker(url: str, queue: str) -> None:
    """Point this process's publisher (the live_server thread too) at a real broker, not eager."""
    # broker_write_url: Celery lets the CELERY_BROKER_URL environment variable win over broker_url.
    celery_app.conf.update(task_always_eager=False, broker_write_url=url, task_default_queue=queue)
    celery_app._pool = None  # the connection pools were built for the previous broker
    celery_app.amqp._producer_pool = None


@pytest.fixture
def publisher():
    saved = {k: celery_app.conf.get(k) for k in ("task_always_eager", "broker_write_url", "task_default_queue")}
    yield _use_broker
    celery_app.conf.update(saved)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start `celery -A config worker` on the pytest database; killed at teardown whatever happens."""
    workers: list[tuple[subprocess.Popen, Path]] = []

    def start(*, broker_url: str, queue: str, smtp_port: int) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(workers)}.log"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1",
            "DATABASE_CONN_MAX_AGE": "0",
        }
        command = [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-P", "solo", "-Q", queue]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        workers.append((process, log))
        wait_until(lambda: "ready." in log.read_text() or process.poll() is not None, "the worker to start")
        assert process.poll() is None, f"worker exited:\n{log.read_text()}"
        return process

    yield start
    for process, log in workers:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"--- {log.name}\n{log.read_text()[-4000:]}")


@pytest.fixture
def private_redis():
    """A throwaway redis-server on a free port (never the machine's Redis, which others use)."""
    port = _free_port()
    servers: list[subprocess.Popen] = []

    def start() -> None:
        servers.append(
            subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_until(lambda: _port_open(port), f"redis-server on port {port}")

    yield port, start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def bistro(transactional_db):
    restaurant = RestaurantFactory(name="Bistro Vert", timezone="America/New_York", country="US", auto_allocate=False)
    TableFactory.create_batch(4, restaurant=restaurant, max_seats=6)
    host = UserFactory()
    MembershipFactory(user=host, restaurant=restaurant, role="host")
    return restaurant, Token.objects.create(user=host).key


def customer_booking(live_server, restaurant, guest: str) -> dict:
    """Tomorrow's dinner booked over HTTP by `guest` (an email address) with a US phone number."""
    body = build.body(restaurant, email=guest, phone="+12025550143")
    status, answer = _call(f"{live_server.url}/api/bookings", body)
    assert status == 201, answer
    return answer["booking"]


def walk_in(live_server, restaurant, token, *, email: str | None = None, days_ahead: int = 1) -> dict:
    """A walk-in's dinner `days_ahead` days from now, booked over HTTP, with `email` if given."""
    day = restaurant.today() + dt.timedelta(days=days_ahead)
    body = build.ops_body(restaurant, date=day.isoformat(), email=email or ...)
    status, answer = _call(f"{live_server.url}/api/ops/bookings", body, token=token)
    assert status == 201, answer
    return answer["booking"]


def test_a_real_worker_delivers_bookings_to_a_real_inbox(live_server, bistro, sink, queue, publisher, start_worker):
    restaurant, token = bistro
    handler, smtp_port = sink
    broker = _broker_url()
    publisher(broker, queue)
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)

    booking = customer_booking(live_server, restaurant, "grace@example.com")
    walk_in(live_server, restaurant, token)

    guest_mail = wait_until(lambda: handler.to("grace@example.com"), "the guest's email")
    assert guest_mail[0]["Subject"] == "Reservation request received – Bistro Vert"
    desk = wait_until(
        lambda: len(handler.to(restaurant.contact_email)) == 2 and handler.to(restaurant.contact_email),
        "two emails to the restaurant",
    )
    assert sorted(m["Subject"] for m in desk) == [
        f"New booking request {booking['reference']} – Bistro Vert",
        "Reservation request received – Bistro Vert",
    ]
    fallback = next(m for m in desk if m["Subject"].startswith("Reservation request received"))
    assert "The guest did not leave an email address" in fallback.get_body(("plain",)).get_content()

    status, confirmed = _call(
        f"{live_server.url}/api/ops/bookings/{booking['id']}/assign-tables",
        {"tableIds": [restaurant.tables.first().pk]},
        token=token,
    )
    assert (status, confirmed["status"]) == (200, "confirmed")

    wait_until(lambda: len(handler.to("grace@example.com")) == 2, "the confirmation")
    ticket = handler.to("grace@example.com")[1]
    assert ticket["Subject"] == "Your reservation ticket – Bistro Vert"
    (ics,) = [part for part in ticket.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(ics.get_content()).events[0]
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.start == dt.datetime.fromisoformat(booking["startAt"])
    assert handler.count() == 4
    row = Notification.objects.get(kind="confirmation")
    assert (row.status, row.provider_message_id) == ("sent", ticket["Message-ID"].strip())


def test_bookings_made_while_the_broker_is_down_are_all_mailed_once_it_is_back(
    live_server, bistro, sink, queue, publisher, start_worker, private_redis, caplog
):
    restaurant, token = bistro
    handler, smtp_port = sink
    port, start_redis = private_redis
    broker = _broker_url(port)
    publisher(broker, queue)  # nothing listens on that port yet

    for day in range(1, 21):
        walk_in(live_server, restaurant, token, email=f"guest{day}@example.com", days_ahead=day)

    assert Notification.objects.filter(status="queued").count() == 20
    assert caplog.text.count("dispatch failed") == 20
    start_redis()
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)
    call_command("notifications_redrive", "--older-than", "0")

    wait_until(lambda: Notification.objects.filter(status="sent").count() == 20, "20 notifications sent")
    time.sleep(1)  # anything sent twice would arrive now
    assert handler.count() == 20
    assert sorted(m["To"] for m in handler.messages) == sorted(f"guest{d}@example.com" for d in range(1, 21))


def test_mail_refused_for_a_while_is_retried_and_delivered_once(
    live_server, bistro, sink, queue, publisher, start_worker
):
    restaurant, token = bistro
    handler, smtp_port = sink
    handler.refusing = True
    broker = _broker_url()
    publisher(broker, queue)
    start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port)

    for day in range(1, 4):
        walk_in(live_server, restaurant, token, email=f"patient{day}@example.com", days_ahead=day)

    refused = Notification.objects.filter(status="queued", attempts__gte=1, last_error__contains="451")
    wait_until(lambda: refused.count() == 3, "3 refused sends waiting for their retry")
    handler.refusing = False

    wait_until(lambda: Notification.objects.filter(status="sent").count() == 3, "3 notifications sent after retries")
    time.sleep(1)
    assert sorted(m["To"] for m in handler.messages) == [f"patient{d}@example.com" for d in range(1, 4)]
    assert handler.refused >= 3
    assert all(row.attempts >= 2 and row.last_error == "" for row in Notification.objects.all())
