"""Where rules live (DESIGN 2): the domain knows no HTTP, and each rule is written once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAIN_APPS = ("bookings", "restaurants")
# Entry points that speak HTTP may live in a domain app: the public API and its serializers.
HTTP_ALLOWED = re.compile(r"(^|/)(apis?|serializers)(\.py|/)")
HTTP_MODULES = ("django.http", "rest_framework", "drf_spectacular")


def _python_files(*apps: str) -> list[Path]:
    return sorted(p for app in apps for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _python_files(*DOMAIN_APPS), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_imports_no_http(path):
    relative = str(path.relative_to(ROOT))
    if HTTP_ALLOWED.search(relative):
        return
    offending = sorted(n for n in _imports(path) if n.startswith(HTTP_MODULES))
    assert offending == [], f"{relative} imports {offending}: only API modules and serializers may"


def test_imports_point_one_way():
    """bookings and restaurants never import the entry points or the mailer; restaurants not bookings."""
    for path in _python_files(*DOMAIN_APPS):
        forbidden = ("opsportal", "guestportal", "notifications")
        if path.is_relative_to(ROOT / "restaurants"):
            forbidden += ("bookings",)
        bad = sorted(n for n in _imports(path) if n.split(".")[0] in forbidden)
        assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_the_entry_points_import_only_the_domain():
    """guestportal and opsportal are entry points (DESIGN 2): neither imports the other or the mailer."""
    for app, forbidden in (("guestportal", ("opsportal", "notifications")), ("opsportal", ("guestportal",))):
        for path in _python_files(app):
            bad = sorted(n for n in _imports(path) if n.split(".")[0] in forbidden)
            assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    "definition",
    [
        r"def normalise_phone\(",  # the phone, normalised once
        r"def recipient_for\(",  # who hears about a booking
        r"class Recipient\(",  # ... spelled once
        r"PENDING_STATUSES\s*=",  # the statuses that wait for the restaurant
        r"def starts\(",  # the slot grid
        r"def period_at\(",  # the service period at a time
    ],
)
def test_each_rule_is_defined_once(definition):
    pattern = re.compile(definition)
    apps = ("config", "restaurants", "bookings", "notifications", "opsportal", "guestportal")
    places = [str(p.relative_to(ROOT)) for p in _python_files(*apps) if p.exists() and pattern.search(p.read_text())]
    assert len(places) == 1, f"{definition} is defined in {places}"
