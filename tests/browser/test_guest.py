"""A guest on a phone, with the keyboard alone (issue 10 acceptance 2): book on `/r/<slug>/`, open the
manage link from the email, change the party, cancel; axe-core finds nothing serious on the way.

Chromium at 390x844. Every step is a key press: Tab to move, typing, Enter or Space to act;
the test reads the focus and the page, never clicks. The emails come from the locmem outbox of this
process (the live server runs in a thread; Celery is eager). As in the other browser tests, the
browser steps touch no database; data is made before and checked after.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect, sync_playwright

from bookings.models import Booking
from notifications.models import Notification
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, axe_violations
from tests.factories import RestaurantFactory, TableFactory

PHONE = {"width": 390, "height": 844}
GUEST = "ada.browser@example.com"


def tab_to(page, test: str, what: str, limit: int = 80) -> list[str]:
    """Press Tab until the focused element `el` passes the JavaScript `test`; the names passed on the way."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            f"() => {{ const el = document.activeElement; return [!!(el && ({test})), "
            "el ? (el.name || el.textContent.trim() || el.tagName) : ''] }"
        )
        passed.append(focused[1])
        if focused[0]:
            return passed
    raise AssertionError(f"Tab never reached {what}; passed {passed}")


def press_and_wait(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], page.url


def check_page(page, axe: str, name: str, found: dict) -> None:
    """A screenshot, no horizontal scrolling at 390 px, and axe-core's serious or critical findings."""
    page.screenshot(path=str(ARTIFACTS / f"guest-{name}-390.png"), full_page=True)
    fits_the_phone(page)
    found[name] = axe_violations(page, axe, f"guest-{name}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guest_books_changes_and_cancels_with_the_keyboard(live_server, chromium_path, axe_source, settings):
    settings.SITE_URL = live_server.url
    restaurant = RestaurantFactory(name="Bistro Clavier", auto_allocate=False)  # open 08:00-23:00 every day
    TableFactory.create_batch(3, restaurant=restaurant, max_seats=4)
    day = restaurant.today() + dt.timedelta(days=3)
    ARTIFACTS.mkdir(exist_ok=True)
    findings: dict[str, list] = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=PHONE, timezone_id="Europe/London").new_page()

        # 1. The day and the party.
        page.goto(f"{live_server.url}/r/{restaurant.slug}/")
        expect(page.get_by_role("heading", name="Book a table")).to_be_visible()
        check_page(page, axe_source, "search", findings)
        tab_to(page, "el.classList.contains('skip-link')", "the skip link")
        tab_to(page, "el.name === 'date'", "the date")
        # Chromium's date field takes its order from the browser's own language (en-US in this
        # headless build, whatever the page's locale): month, day, year, each moving to the next.
        page.keyboard.type(f"{day:%m%d%Y}")
        assert page.input_value("#id_date") == day.isoformat()
        tab_to(page, "el.name === 'party'", "the party")
        page.keyboard.press("Control+A")
        page.keyboard.type("2")
        press_and_wait(page)

        # 2. A free time, chosen with the keyboard.
        expect(page.get_by_role("heading", name="Free times")).to_be_visible()
        check_page(page, axe_source, "slots", findings)
        tab_to(page, "el.value === '19:00'", "the 19:00 button")
        press_and_wait(page)

        # 3. The details: a mistake first; the error sits by its field and takes the focus.
        expect(page.get_by_role("heading", name="Your details")).to_be_visible()
        check_page(page, axe_source, "details", findings)
        tab_to(page, "el.name === 'name'", "the name")
        page.keyboard.type("Ada Browser")
        page.keyboard.press("Tab")
        page.keyboard.type("not-an-email")
        page.keyboard.press("Tab")
        page.keyboard.type("07911 123456")
        press_and_wait(page)
        expect(page.locator("#id_email_error")).to_have_text("Enter a valid email address.")
        assert page.evaluate("() => document.activeElement.name") == "email"
        assert page.get_attribute("#id_email", "aria-invalid") == "true"
        check_page(page, axe_source, "details-error", findings)
        page.keyboard.press("Control+A")
        page.keyboard.type(GUEST)
        # From the email on, the focus passes every field and the honeypot is not in the way.
        order = tab_to(page, "el.type === 'submit'", "the submit button")
        assert order == ["phone", "notes", "marketingOptIn", "Request this table"]
        press_and_wait(page, "Space")

        # 4. The confirmation.
        expect(page.get_by_role("heading", name="Thank you, Ada Browser")).to_be_visible()
        expect(page.locator(".status")).to_have_text("Request received: the restaurant will confirm your table shortly")
        expect(page.get_by_text("We have emailed you")).to_be_visible()
        check_page(page, axe_source, "confirmation", findings)
        reference = page.locator(".reference").inner_text()

        # 5. The manage link from the email.
        [request_email] = [m for m in mail.outbox if m.to == [GUEST]]
        [link] = re.findall(rf"{re.escape(live_server.url)}/b/[A-Za-z0-9_-]{{48}}", request_email.body)
        page.goto(link)
        expect(page.get_by_role("heading", name="Your booking")).to_be_visible()
        expect(page.locator(".reference")).to_have_text(reference)
        check_page(page, axe_source, "manage", findings)

        # 6. Change the party to four, at the same time.
        tab_to(page, "el.textContent.trim() === 'Change date, time or guests'", "the change link")
        press_and_wait(page)
        expect(page.get_by_role("heading", name="Change your booking")).to_be_visible()
        check_page(page, axe_source, "change", findings)
        tab_to(page, "el.name === 'party'", "the party")
        page.keyboard.press("Control+A")
        page.keyboard.type("4")
        press_and_wait(page)
        check_page(page, axe_source, "change-slots", findings)
        tab_to(page, "el.value === '19:00'", "the 19:00 button")
        press_and_wait(page)
        expect(page.get_by_text("Change requested: the restaurant will confirm it.")).to_be_visible()
        expect(page.locator("dl.details")).to_contain_text("4")

        # 7. Cancel, after the confirmation step.
        tab_to(page, "el.textContent.trim() === 'Cancel booking'", "the cancel link")
        press_and_wait(page)
        expect(page.get_by_role("heading", name="Cancel your booking?")).to_be_visible()
        check_page(page, axe_source, "cancel", findings)
        tab_to(page, "el.textContent.trim() === 'Yes, cancel my booking'", "the cancel button")
        press_and_wait(page)
        expect(page.locator(".status")).to_have_text("Cancelled")
        check_page(page, axe_source, "cancelled", findings)
        browser.close()

    assert findings == dict.fromkeys(findings, [])
    booking = Booking.objects.get(reference=reference)
    assert (booking.party_size, booking.start_time, booking.status) == (4, dt.time(19), "cancelled")
    assert sorted(m.subject.split(" – ")[0] for m in mail.outbox if m.to == [GUEST]) == [
        "Booking cancelled",
        "Reservation change requested",
        "Reservation request received",
    ]
    guest_rows = Notification.objects.filter(booking=booking, recipient=GUEST)
    assert sorted(guest_rows.values_list("kind", flat=True)) == [
        "guest_cancellation",
        "modification_requested",
        "request_received",
    ]
    assert all(link in m.body and link in m.alternatives[0].content for m in mail.outbox if m.to == [GUEST])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_booking_page_works_without_javascript(live_server, chromium_path):
    restaurant = RestaurantFactory(name="Bistro Sans Script", auto_allocate=False)
    TableFactory.create_batch(2, restaurant=restaurant, max_seats=4)
    day = restaurant.today() + dt.timedelta(days=2)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
        page.goto(f"{live_server.url}/r/{restaurant.slug}/?date={day.isoformat()}&party=3")
        page.get_by_role("button", name="12:00").click()
        page.get_by_label("Your name").fill("No Script")
        page.get_by_label("Email").fill("noscript@example.com")
        page.get_by_label("Phone").fill("07911 123456")
        page.get_by_role("button", name="Request this table").click()
        expect(page.get_by_role("heading", name="Thank you, No Script")).to_be_visible()
        fits_the_phone(page)
        page.screenshot(path=str(ARTIFACTS / "guest-no-javascript-390.png"), full_page=True)
        browser.close()

    assert Booking.objects.get().customer_name == "No Script"
