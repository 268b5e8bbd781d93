"""The schema documents what each operation can answer, ids as UUIDs, every filter (DESIGN 12, acceptance 5)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

OPS_PREFIX = "/api/ops/"
METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(path))
    return json.loads(path.read_text())


def operations(schema, prefix: str = "/api/"):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS and path.startswith(prefix):
                yield path, method, operation


def test_every_ops_operation_documents_401_and_403(schema):
    ops = list(operations(schema, OPS_PREFIX))
    missing = [(m, p, code) for p, m, op in ops for code in ("401", "403") if code not in op["responses"]]

    assert len(ops) >= 14  # the 13 of issue 13 and decline
    assert missing == []


def test_every_operation_documents_400_and_every_body_413(schema):
    missing = [
        (method, path, code)
        for path, method, op in operations(schema)
        for code in ("400", *(("413", "415") if "requestBody" in op else ()))
        if code not in op["responses"]
    ]

    assert missing == []


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("get", "/api/ops/bookings", {"200", "400", "401", "403", "429"}),
        ("post", "/api/ops/bookings", {"200", "201", "400", "401", "403", "409", "413", "415", "422", "429"}),
        ("get", "/api/ops/bookings/{id}", {"200", "400", "401", "403", "404"}),
        ("patch", "/api/ops/bookings/{id}", {"200", "400", "401", "403", "404", "409", "413", "415", "422"}),
        ("post", "/api/ops/bookings/{id}/check-in", {"200", "400", "401", "403", "404", "409"}),
        ("get", "/api/ops/bookings/status-summary", {"200", "400", "401", "403"}),
    ],
)
def test_the_answers_each_ops_operation_can_give(schema, method, path, codes):
    assert set(schema["paths"][path][method]["responses"]) == codes


def test_error_answers_have_the_error_shape(schema):
    for path, method, op in operations(schema):
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, (
                    method,
                    path,
                    code,
                )


def test_the_list_answers_one_page_object(schema):
    content = schema["paths"]["/api/ops/bookings"]["get"]["responses"]["200"]["content"]["application/json"]

    assert content["schema"] == {"$ref": "#/components/schemas/BookingPage"}


def test_path_ids_are_uuids(schema):
    ids = [
        (path, param["schema"])
        for path, method, op in operations(schema, OPS_PREFIX)
        for param in op.get("parameters", [])
        if param["in"] == "path"
    ]

    assert len(ids) >= 10  # every one-booking operation, decline included
    assert all(s == {"type": "string", "format": "uuid"} for _, s in ids), ids


def test_the_status_summary_documents_its_filters(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/ops/bookings/status-summary"]["get"]["parameters"]}

    assert set(params) == {"restaurantId", "from", "to", "status", "statuses", "query"}
    assert params["restaurantId"]["schema"]["format"] == "uuid"
    assert params["from"]["schema"]["format"] == "date-time"
    assert "confirmed" in params["status"]["schema"]["enum"]


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_from_the_app_not_a_cdn(client):
    page = client.get("/api/docs/").content.decode()

    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js">' in page
    assert "cdn" not in page.lower() and "https://" not in page
