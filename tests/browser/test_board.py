"""The ops board in headless Chromium: the demo host runs today's board (DESIGN 7).

Runs `seed_demo` (today's bookings in Europe/London), signs in to the admin as the demo host, checks
one confirmed booking in with one click and cancels another through the confirmation step.
Screenshots before and after go to `test-artifacts/`.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from bookings.models import Booking
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS


@pytest.fixture
def browser_page(monkeypatch, chromium_path):
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still
    # plain synchronous code, but they get a connection of their own (another async context), which
    # must be closed here or it keeps the test database busy at teardown.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        yield page
        browser.close()
        connections.close_all()


def _reference(row) -> str:
    return row.locator("td.field-guest small").inner_text().split(" · ")[0].strip()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_demo_host_checks_in_and_cancels_from_the_board(live_server, browser_page):
    call_command("seed_demo", stdout=StringIO())
    page = browser_page

    page.goto(f"{live_server.url}/admin/login/?next=/admin/bookings/booking/")
    page.fill("#id_username", "host")
    page.fill("#id_password", "tablekeeper-host")
    page.click("input[type=submit]")

    expect(page.locator(".tk-board h2")).to_contain_text("The Demo Kitchen")
    expect(page.locator(".tk-board h2")).to_contain_text("(today)")
    shown = page.locator("#result_list tbody tr").count()
    assert shown >= 30
    page.screenshot(path=str(ARTIFACTS / "board-before.png"), full_page=True)

    confirmed = page.locator("#result_list tbody tr", has=page.locator("span.tk-confirmed"))
    to_check_in = _reference(confirmed.nth(0))
    to_cancel = _reference(confirmed.nth(1))

    confirmed.nth(0).get_by_role("button", name="Check in").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"Checked in: {to_check_in}")

    page.locator("#result_list tbody tr", has_text=to_cancel).get_by_role("link", name="Cancel").click()
    expect(page.locator("#content")).to_contain_text("Are you sure you want to cancel this booking?")
    page.get_by_label("The guest").check()
    page.fill("#id_reason", "Guest phoned to cancel")
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"Cancelled: {to_cancel}")
    assert page.locator("#result_list tbody tr").count() == shown  # still today's whole board
    page.screenshot(path=str(ARTIFACTS / "board-after.png"), full_page=True)

    checked_in = Booking.objects.get(reference=to_check_in)
    cancelled = Booking.objects.get(reference=to_cancel)
    assert checked_in.status == Booking.Status.CHECKED_IN
    assert checked_in.status_changes.latest().changed_by.username == "host"
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.status_changes.latest().reason == "Guest phoned to cancel"
