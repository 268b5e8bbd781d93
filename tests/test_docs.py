"""The documentation is true: its shell snippet runs as written, its links resolve, the README
stays the front door (at most about 150 lines)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from bookings.models import Booking
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory

ROOT = settings.BASE_DIR
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")

SNIPPET = re.compile(r"<!-- walkin-shell:start -->\s*```python\n(?P<code>.*?)```\s*<!-- walkin-shell:end -->", re.S)


@pytest.mark.django_db
def test_the_shell_snippet_creates_a_walkin_with_the_fallback_email(capsys):
    code = SNIPPET.search((ROOT / "docs" / "bookings.md").read_text()).group("code")
    restaurant = RestaurantFactory(slug="demo-kitchen", contact_email="hello@demo-kitchen.example.com")
    TableFactory(restaurant=restaurant, max_seats=4)
    host = UserFactory(username="host")
    MembershipFactory(user=host, restaurant=restaurant, role="host")

    exec(compile(code, "docs/bookings.md", "exec"), {})

    booking = Booking.objects.get()
    assert booking.customer_email == "hello@demo-kitchen.example.com"
    assert booking.notification_recipient == "restaurant_fallback"
    assert (booking.source, booking.created_by) == ("walk-in", host)
    assert capsys.readouterr().out.split() == [booking.reference, booking.status, booking.customer_email]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(document):
    """Links to files of the repository (web addresses are not followed); anchors are not checked."""
    assert document.exists(), f"{document.relative_to(ROOT)} is missing"
    for match in LINK.finditer(document.read_text()):
        target = match["target"].split("#")[0]
        if not target or "://" in target or target.startswith("mailto:"):
            continue
        assert (document.parent / target).resolve().exists(), f"{document.name} links to missing {target}"


def test_the_readme_is_the_front_door():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert "make run" in readme and "make test" in readme
    assert "../" not in readme, "the README refers only to files inside the repository"
    linked = {match["target"] for match in LINK.finditer(readme)}
    assert {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")} <= linked, "every document is linked"
