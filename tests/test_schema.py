"""The OpenAPI schema of every registered API generates without warnings and is served."""

from __future__ import annotations

import pytest
from django.core.management import call_command


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/bookings:" in schema


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_served(client, url):
    assert client.get(url).status_code == 200
