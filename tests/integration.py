"""A real Celery worker, a real broker and a real SMTP sink for the integration tests (DESIGN 9).

The fixtures (`sink`, `queue`, `publisher`, `start_worker`, `private_redis`) are made available to
every test by `tests/conftest.py`. The worker is a subprocess (`celery -A config worker`) on the
pytest database that mails an aiosmtpd sink; each test uses its own queue name (and the broker-down
test its own redis-server), so parallel runs and other engineers' workers never take its tasks.
Waits are bounded and say what they were waiting for.
"""

from __future__ import annotations

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

from config import celery_app

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 30


def free_port() -> int:
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
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def broker_url(port: int | None = None) -> str:
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


def database_url() -> str:
    """The pytest database (PostgreSQL), as a URL another process can use."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(*, broker_url: str, queue: str, **extra: str) -> dict[str, str]:
    """The environment of a subprocess of the app on the pytest database and this test's queue."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DATABASE_CONN_MAX_AGE": "0",
        **extra,
    }


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start `celery -A config worker` on the pytest database; killed at teardown whatever happens."""
    workers: list[tuple[subprocess.Popen, Path]] = []

    def start(*, broker_url: str, queue: str, smtp_port: int, env: dict | None = None) -> subprocess.Popen:
        """`env`: more variables for the worker (e.g. SITE_URL, so its emails link to the live server).

        The process's output goes to a file, `process.log` (a Path).
        """
        log = tmp_path / f"worker-{len(workers)}.log"
        env = process_env(
            broker_url=broker_url,
            queue=queue,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
            NOTIFICATION_RETRY_BACKOFF_SECONDS="1",
            **(env or {}),
        )
        command = [str(ROOT / ".venv/bin/celery"), "-A", "config", "-q", "worker", "-P", "solo", "-Q", queue]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        process.log = log  # type: ignore[attr-defined]
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
    port = free_port()
    servers: list[subprocess.Popen] = []

    def start() -> None:
        servers.append(
            subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_until(lambda: port_open(port), f"redis-server on port {port}")

    yield port, start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def call_json(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
