"""The walk-in form in headless Chromium at 768 px (issue 3 acceptance 7; issue 12 acceptance 4 and 5).

The time is one of the slots the form offers for the date and party (swapped in by the page's
script as the date changes); axe-core finds nothing serious on the clean form nor on the form with
errors, where the focus is on the first error.

The browser steps touch no database: Playwright's sync API runs an event loop in this thread, and
Django refuses ORM calls while one runs. Data is made before and checked after.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from bookings.models import Booking
from restaurants.models import OpeningHours
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, axe_violations
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_walkin_form_in_a_browser(live_server, chromium_path, axe_source):
    restaurant = RestaurantFactory(
        open_every_day=False, contact_email="desk@browser-bistro.example.com", auto_allocate=False
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(restaurant=restaurant, weekday=d, opens_at=dt.time(0), closes_at=dt.time(23, 59)) for d in range(7)
    )
    TableFactory.create_batch(3, restaurant=restaurant, max_seats=4)
    host = UserFactory(username="browser-host")
    MembershipFactory(user=host, restaurant=restaurant)
    tomorrow = (timezone.now().astimezone(restaurant.tz) + dt.timedelta(days=1)).date()
    day, day_words = tomorrow.isoformat(), f"Time on {tomorrow:%A} {tomorrow.day} {tomorrow:%B}"
    ARTIFACTS.mkdir(exist_ok=True)
    findings = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 768, "height": 1024})

        # Sign in with the keyboard alone.
        page.goto(f"{live_server.url}/ops/bookings/new")
        expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
        page.get_by_label("Username").focus()
        page.keyboard.type("browser-host")
        page.keyboard.press("Tab")
        page.keyboard.type("pw-for-tests-123")
        page.keyboard.press("Enter")

        # The first field has the focus; the page passes axe-core.
        expect(page.get_by_role("heading", name="New walk-in")).to_be_visible()
        expect(page.get_by_label("Restaurant")).to_be_focused()
        findings["clean"] = axe_violations(page, axe_source, "walkin-form")

        # A mistake first: the focus goes to the first error, and the page still passes.
        page.get_by_label("Date").fill(day)
        page.get_by_label("Party size").fill("2")
        expect(page.locator("#slots legend")).to_have_text(day_words)
        page.get_by_label("12:00 · lunch").check()
        page.get_by_label("Guest name").fill("B")
        page.get_by_role("button", name="Save booking").click()
        expect(page.locator("#id_name_error")).to_be_visible()
        expect(page.get_by_label("Guest name")).to_be_focused()
        findings["errors"] = axe_violations(page, axe_source, "walkin-form-errors")
        page.screenshot(path=str(ARTIFACTS / "walkin-form-errors-768.png"), full_page=True)

        # A walk-in with no email or phone, at a slot offered for the date and party.
        page.get_by_label("Date").fill(day)
        page.get_by_label("Party size").fill("2")
        expect(page.get_by_label("12:00 · lunch")).to_be_checked()
        page.get_by_label("Guest name").fill("Browser Guest")
        page.screenshot(path=str(ARTIFACTS / "walkin-form-768.png"), full_page=True)
        page.get_by_label("Guest name").press("Enter")

        expect(page.get_by_role("heading", name="Booking saved")).to_be_visible()
        expect(page.locator(".notification")).to_contain_text(
            "the restaurant's contact address, because the guest left no email"
        )
        expect(page.locator(".status")).to_have_text("Allocation in progress")
        page.screenshot(path=str(ARTIFACTS / "walkin-confirmation-768.png"), full_page=True)

        # A second form, submitted with a double click.
        page.get_by_role("link", name="New walk-in").first.click()
        page.get_by_label("Date").fill(day)
        page.get_by_label("Party size").fill("3")
        expect(page.locator("#slots legend")).to_have_text(day_words)
        page.get_by_label("13:00 · lunch").check()
        page.get_by_label("Guest name").fill("Double Click")
        page.get_by_role("button", name="Save booking").dblclick()
        expect(page.get_by_role("heading", name="Booking saved")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "walkin-double-click-768.png"), full_page=True)
        browser.close()

    assert findings == {"clean": [], "errors": []}
    assert Booking.objects.filter(customer_name="Double Click").count() == 1
    walkin = Booking.objects.get(customer_name="Browser Guest")
    assert walkin.customer_email == "desk@browser-bistro.example.com"
    assert walkin.created_by == host
