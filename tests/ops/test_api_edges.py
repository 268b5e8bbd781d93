"""API edges (DESIGN 12, acceptance 5): bad input gets the JSON error shapes, never HTML, never a 500.

Each was a 500 or an HTML page before; the suite runs on SQLite and PostgreSQL (CI runs both), where
null characters and out-of-range offsets used to fail differently.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from config.parsers import JSONParser, PayloadTooLarge
from tests.builders import RequestBuilder, tomorrow
from tests.factories import BookingFactory, TableFactory

pytestmark = pytest.mark.django_db
build = RequestBuilder(day=tomorrow)

PUBLIC = "/api/bookings"
OPS = "/api/ops/bookings"
DEEP = '{"a":' * 20_000 + "1" + "}" * 20_000  # past Python's recursion limit, under the upload limit
DEEPISH = '{"a":' * 33 + "1" + "}" * 33  # past the parser's 32 levels, not Python's limit


def invalid_body(response) -> list[str]:
    """The messages of a 400 `Invalid payload` answer's `body` entry (and that it is exactly that shape)."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "Invalid payload" and list(body["details"]) == ["body"]
    return body["details"]["body"]


@pytest.fixture
def tables(restaurant):
    return TableFactory.create_batch(2, restaurant=restaurant, max_seats=4)


@pytest.fixture
def host_api(host, tables) -> APIClient:
    client = APIClient()
    client.force_authenticate(host)
    return client


# --- nested too deep --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEPISH], ids=["recursion", "33-levels"])
def test_a_deeply_nested_body_is_400_on_the_public_create(api_client, body):
    messages = invalid_body(api_client.post(PUBLIC, body, content_type="application/json"))

    assert messages == ["JSON nested deeper than 32 levels."]


@pytest.mark.parametrize("body", [DEEP, DEEPISH], ids=["recursion", "33-levels"])
def test_a_deeply_nested_body_is_400_on_the_ops_create(host_api, body):
    messages = invalid_body(host_api.post(OPS, body, content_type="application/json"))

    assert messages == ["JSON nested deeper than 32 levels."]


def test_a_deeply_nested_body_from_a_stranger_to_the_ops_create_is_401(api_client):
    response = api_client.post(OPS, DEEP, content_type="application/json")

    assert response.status_code == 401
    assert response.json() == {"error": "Authentication required"}


def test_32_levels_are_still_parsed(api_client, restaurant, tables):
    nested = {"a": 1}
    for _ in range(30):
        nested = {"a": nested}
    body = build.body(restaurant, extra=nested)  # 32 levels with the body itself; unknown keys are ignored

    assert api_client.post(PUBLIC, body, format="json").status_code == 201


# --- out-of-range offsets --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [OPS, f"{OPS}/status-summary"])
@pytest.mark.parametrize("bound", ["from", "to"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-06-02T00:00:00+16:00", "The UTC offset must be between -14:00 and +14:00."),
        ("2026-06-02T00:00:00-15:30", "The UTC offset must be between -14:00 and +14:00."),
        ("9999-12-31T23:00:00-02:00", "The datetime is out of range."),
        ("0001-01-01T00:30:00+01:00", "The datetime is out of range."),
    ],
)
def test_an_offset_or_instant_out_of_range_is_400(host_api, url, bound, value, message):
    response = host_api.get(url, {bound: value})

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid payload", "details": {bound: [message]}}


@pytest.mark.parametrize("value", ["2026-06-02T00:00:00+14:00", "2026-06-02T00:00:00-12:00"])
def test_the_real_extremes_of_offsets_are_accepted(host_api, restaurant, value):
    BookingFactory(restaurant=restaurant)

    assert host_api.get(OPS, {"from": value}).status_code == 200
    assert host_api.get(f"{OPS}/status-summary", {"to": value}).status_code == 200


# --- unknown paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/nothing-here"),
        ("post", "/api/ops/nothing-here"),
        ("get", "/api/ops/bookings/123/unknown-action"),
        ("delete", "/api/bookings/extra"),
        ("get", "/api/"),
    ],
)
def test_unknown_api_paths_are_a_json_404(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Not found"}


def test_a_missing_slash_on_an_api_page_still_redirects(client):
    response = client.get("/api/docs")

    assert response.status_code == 301 and response["Location"] == "/api/docs/"


def test_an_unknown_page_outside_the_api_is_not_json(client):
    assert client.get("/no-such-page").get("Content-Type", "").startswith("text/html")


# --- too large ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PUBLIC, OPS])
def test_a_body_over_the_upload_limit_is_a_json_413(host_api, restaurant, settings, url):
    body = json.dumps(build.body(restaurant, notes="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

    response = host_api.post(url, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large"}


def test_the_parser_stops_reading_at_the_limit_when_no_length_was_announced(settings):
    """A stream without a length (a chunked body under ASGI) is read no further than the limit."""
    stream = io.BytesIO(b"[" + b"1," * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b"1]")

    with pytest.raises(PayloadTooLarge):
        JSONParser().parse(stream, "application/json", {})

    assert stream.tell() == settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def test_the_upload_limit_is_sensible(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 256 * 1024


# --- null characters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "notes", "email", "restaurantSlug"])
def test_a_null_character_in_a_json_string_is_400(api_client, restaurant, tables, field):
    body = build.body(restaurant, **{field: "Ada\u0000Lovelace"})

    assert invalid_body(api_client.post(PUBLIC, body, format="json")) == ["Null characters are not allowed."]


def test_a_null_character_in_a_json_key_is_400(host_api, restaurant):
    body = {**build.ops_body(restaurant), "na\u0000me": "x"}

    assert invalid_body(host_api.post(OPS, body, format="json")) == ["Null characters are not allowed."]


@pytest.mark.parametrize("param", ["query", "status", "restaurantId", "statuses"])
def test_a_null_character_in_a_query_parameter_is_400(host_api, param):
    response = host_api.get(OPS, {param: "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid payload", "details": {"query": ["Null characters are not allowed."]}}


def test_a_null_character_in_a_path_is_400(api_client):
    response = api_client.get("/api/guest/bookings/abc%00def")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid payload", "details": {"path": ["Null characters are not allowed."]}}


def test_a_null_character_in_a_header_is_400(host_api, restaurant):
    response = host_api.post(OPS, build.ops_body(restaurant), format="json", HTTP_IDEMPOTENCY_KEY="k\x00ey")

    assert response.status_code == 400
    assert response.json()["details"] == {"headers": ["Null characters are not allowed."]}


def test_a_null_character_in_a_form_is_400_not_a_500(client, host, restaurant, tables):
    client.force_login(host)

    for encoded in ("multipart", "urlencoded"):
        data = build.form(restaurant, name="Ada\x00")
        if encoded == "multipart":
            response = client.post("/ops/bookings/new", data)
        else:
            response = client.post("/ops/bookings/new", urlencode(data), "application/x-www-form-urlencoded")

        assert response.status_code == 400
        assert response.content == b"Bad request: Null characters are not allowed.\n"


# --- whatever else fails: JSON, not HTML ------------------------------------------------------------


def test_a_server_error_under_the_api_is_json(client, restaurant, settings, monkeypatch):
    settings.DEBUG = False
    client.raise_request_exception = False

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("bookings.apis.booking_create", broken)
    TableFactory(restaurant=restaurant, max_seats=4)

    response = client.post(PUBLIC, build.body(restaurant), content_type="application/json")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error"}
