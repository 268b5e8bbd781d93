"""Logs (DESIGN 12): JSON or text lines with a request id, carried into the worker; no guest in them.

The acceptance test at the end makes one booking over HTTP against `live_server` and lets a real
Celery worker (a subprocess on Redis and PostgreSQL, `LOG_FORMAT=json`) send its notification to an
SMTP sink; the web's lines (this process) and the worker's (its output) share the request id.
"""

from __future__ import annotations

import io
import json
import logging
import urllib.request
import uuid

import pytest

from config.celery import REQUEST_ID_HEADER, _carry_request_id
from config.logs import JsonFormatter, RequestIdFilter, TextFormatter, request_id_var
from notifications.models import Notification
from tests.builders import GUEST, RequestBuilder, tomorrow
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory
from tests.integration import broker_url, wait_until

build = RequestBuilder(day=tomorrow)
FORGED = "x\n2026-06-02 12:00:00,000 INFO tablekeeper.ops event=booking_created booking_id=forged"


class Captured:
    """The root logger's records in one format, as the console handler writes them."""

    def __init__(self, formatter: logging.Formatter) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter)
        self.handler.addFilter(RequestIdFilter())
        self.records = 0
        self.handler.addFilter(self._count)

    def _count(self, record) -> bool:
        self.records += 1
        return True

    @property
    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()


@pytest.fixture
def capture_logs():
    made: list[Captured] = []

    def capture(formatter: logging.Formatter) -> Captured:
        captured = Captured(formatter)
        logging.getLogger().addHandler(captured.handler)
        made.append(captured)
        return captured

    yield capture
    for captured in made:
        logging.getLogger().removeHandler(captured.handler)


@pytest.fixture
def ops_host(restaurant):
    TableFactory(restaurant=restaurant, max_seats=4)
    user = UserFactory()
    MembershipFactory(user=user, restaurant=restaurant, role="host")
    return user


# --- the request id ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_gets_an_id_and_returns_it(client):
    response = client.get("/health/live")

    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_the_callers_request_id_is_kept_and_returned(client):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["two words", "a\nb", "guest@example.com", "x" * 65])
def test_an_ill_formed_request_id_is_replaced(client, sent):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id(client, capture_logs):
    captured = capture_logs(JsonFormatter())

    client.get("/health/live", HTTP_X_REQUEST_ID="req-every-line")

    records = [json.loads(line) for line in captured.lines]
    assert [(r["logger"], r["request_id"], r["route"], r["status"]) for r in records] == [
        ("tablekeeper.request", "req-every-line", "health/live", 200)
    ]


def test_a_task_published_during_a_request_carries_the_request_id():
    headers: dict = {}
    token = request_id_var.set("req-into-celery")
    try:
        _carry_request_id(headers=headers)
    finally:
        request_id_var.reset(token)

    assert headers == {REQUEST_ID_HEADER: "req-into-celery"}


def test_a_task_published_outside_a_request_carries_none():
    headers: dict = {}

    _carry_request_id(headers=headers)

    assert headers == {}


# --- one line per record, whatever the input ----------------------------------------------------


@pytest.mark.django_db
def test_json_a_newline_in_an_input_stays_inside_one_json_string(ops_host, restaurant, api_client, capture_logs):
    captured = capture_logs(JsonFormatter())
    api_client.force_login(ops_host)

    response = api_client.post("/api/ops/bookings", build.ops_body(restaurant, restaurantId=FORGED), format="json")

    assert response.status_code == 400
    records = [json.loads(line) for line in captured.lines]  # every line is one whole JSON object
    assert len(records) == captured.records
    refused = [r for r in records if r.get("event") == "booking_refused"]
    assert len(refused) == 1
    assert refused[0]["restaurant_id"] == FORGED
    assert not any(r.get("event") == "booking_created" for r in records)


@pytest.mark.django_db
def test_text_a_newline_in_an_input_is_escaped(ops_host, restaurant, api_client, capture_logs):
    captured = capture_logs(TextFormatter())
    api_client.force_login(ops_host)

    api_client.post("/api/ops/bookings", build.ops_body(restaurant, restaurantId=FORGED), format="json")

    assert len(captured.lines) == captured.records
    refused = [line for line in captured.lines if "event=booking_refused" in line]
    assert len(refused) == 1
    assert 'restaurant_id="x\\n2026-06-02 12:00:00,000 INFO tablekeeper.ops event=booking_created' in refused[0]
    assert not any(line.startswith("2026-06-02 12:00:00,000 INFO tablekeeper.ops") for line in captured.lines)


def test_text_a_traceback_stays_on_one_line():
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()

    line = TextFormatter().format(record)

    assert "\n" not in line and "line one\\nline two" in line


def test_anything_shaped_like_an_email_is_redacted_in_both_formats():
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "refused %r", ({"ada@example.com": 550},), None)

    assert "ada@example.com" not in JsonFormatter().format(record)
    assert "[email]" in TextFormatter().format(record)


# --- acceptance 3: web and a real worker, one request id, no guest -----------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_request_and_its_notification_share_a_request_id_and_name_no_guest(
    live_server, sink, queue, publisher, start_worker, capture_logs
):
    restaurant = RestaurantFactory(name="Bistro Vert", contact_email="", auto_allocate=False)
    TableFactory(restaurant=restaurant, max_seats=4)
    handler, smtp_port = sink
    broker = broker_url()
    publisher(broker, queue)
    worker_log = start_worker(broker_url=broker, queue=queue, smtp_port=smtp_port, env={"LOG_FORMAT": "json"}).log
    web = capture_logs(JsonFormatter())
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    guest = {"name": "Grace Hopper", "email": "grace.hopper@example.com", "phone": "+447911123456"}

    body = build.body(restaurant, **guest, notes="window please\nevent=booking_created")
    request = urllib.request.Request(
        f"{live_server.url}/api/bookings",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": request_id},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 201
        assert response.headers["X-Request-ID"] == request_id

    wait_until(lambda: handler.to(guest["email"]), "the guest's email")
    wait_until(
        lambda: Notification.objects.filter(status="sent").exists() and "notification sent" in worker_log.read_text(),
        "the worker to log the sending",
    )
    worker_lines = worker_log.read_text().splitlines()
    worker = [json.loads(line) for line in worker_lines]  # every line of the worker is JSON
    web_records = [json.loads(line) for line in web.lines]

    assert [r["route"] for r in web_records if r["request_id"] == request_id] == ["api/bookings"]
    sent = [r for r in worker if r["message"].startswith("notification sent")]
    assert [r["request_id"] for r in sent] == [request_id]
    everything = "\n".join([*web.lines, *worker_lines])
    for value in (*guest.values(), GUEST["name"], "Grace", "Hopper", "7911123456", "grace.hopper"):
        assert value not in everything
