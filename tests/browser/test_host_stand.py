"""The host stand in headless Chromium (issue 12 acceptance 1, 2, 3, 4 and 8).

The live server runs on the real clock, so the restaurant's timezone is chosen to make it early
afternoon there now (a fixed-offset `Etc/GMT` zone): the board's "today" and "now" are then the
same whatever time the suite runs. As in the other browser tests, the browser steps touch no
database; data is made before and checked after.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from bookings.models import Booking
from restaurants.services import groups_sync, membership_grant
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, axe_violations
from tests.factories import BookingFactory, RestaurantFactory, TableFactory, UserFactory

LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
PASSWORD = "pw-for-tests-123"
ROW = "#result_list tbody tr"


def afternoon_zone() -> str:
    """A fixed-offset zone where it is between 13:00 and 15:00 now."""
    offset = 14 - timezone.now().astimezone(dt.UTC).hour
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def stand(db):
    """A restaurant open 08:00-23:00 where it is early afternoon, its floor, and a host made as production does."""
    groups_sync()
    restaurant = RestaurantFactory(name="Host Stand Bistro", timezone=afternoon_zone(), auto_allocate=False)
    for name, seats in (("Six", 6), ("Four", 4), ("Two", 2), ("T4b", 4), ("T4c", 4), ("Eight", 8)):
        TableFactory(restaurant=restaurant, name=name, max_seats=seats)
    host = UserFactory(username="stand-host")
    membership_grant(user=host, restaurant=restaurant, role="host")
    return restaurant


def forty_bookings(restaurant) -> list[Booking]:
    """A 40-booking day, every 15 minutes from 08:00: waiting, seated and confirmed guests, with notes."""
    today = restaurant.today()
    rows = []
    for i in range(40):
        start = dt.datetime.combine(today, dt.time(8)) + dt.timedelta(minutes=15 * i)
        status = ("pending_allocation", "checked_in", "confirmed", "confirmed")[i % 4]
        rows.append(
            BookingFactory(
                restaurant=restaurant,
                start_time=start.time(),
                end_time=(start + dt.timedelta(hours=2)).time(),
                party_size=2 + i % 5,
                status=status,
                customer_name=f"Guest Number {i + 1:02d} With A Long Family Name",
                notes="Nut allergy, high chair, birthday cake at dessert" if i % 3 == 0 else "",
                seating_preference="window" if i % 5 == 0 else "any",
            )
        )
    return rows


@pytest.fixture
def browser(monkeypatch, chromium_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The test's ORM calls ran inside Playwright's event loop, with connections of that context:
        # closed in it, or they keep the test database busy at teardown.
        connections.close_all()


def signed_in(browser, live_server, viewport: dict, *, javascript: bool = True):
    page = browser.new_context(viewport=viewport, java_script_enabled=javascript).new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/bookings/booking/")
    page.fill("#id_username", "stand-host")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator(".tk-board h2")).to_contain_text("(today)")
    return page


def mark_the_page(page) -> None:
    """A flag a full page load would wipe out."""
    page.evaluate("() => { window.__sameDocument = true; }")


def still_the_same_page(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_seat_a_walk_in_of_three_in_three_clicks_without_a_page_load(live_server, browser, stand, axe_source):
    """Acceptance 1 (and 4: the board and the seat control pass axe-core)."""
    BookingFactory(restaurant=stand, start_time=dt.time(9), end_time=dt.time(10), completed=True)
    page = signed_in(browser, live_server, LAPTOP)
    mark_the_page(page)
    clicks = 0

    page.get_by_text("Seat walk-in", exact=True).click()
    clicks += 1
    page.locator("[data-tk-seat] .tk-chip", has_text="3").first.click()
    clicks += 1
    choices = page.locator("[data-tk-seat] .tk-seat-choice")
    expect(choices.first).to_contain_text("Four")
    expect(choices.first).to_be_focused()
    page.screenshot(path=str(ARTIFACTS / "host-stand-seat-choices-1366.png"))
    seat_findings = axe_violations(page, axe_source, "board-seat-control")
    choices.first.click()
    clicks += 1

    new_row = page.locator(ROW, has_text="Walk-in")
    expect(new_row.locator(".tk-status")).to_have_text("Checked in")
    expect(new_row.locator("td.field-tables")).to_have_text("Four")
    expect(page.locator("ul.messagelist")).to_contain_text("Seated:")
    assert clicks <= 3 and still_the_same_page(page)
    page.screenshot(path=str(ARTIFACTS / "host-stand-seated-1366.png"))
    board_findings = axe_violations(page, axe_source, "board")

    booking = Booking.objects.get(customer_name="Walk-in")
    assert booking.status == Booking.Status.CHECKED_IN and booking.party_size == 3
    assert [a.table.name for a in booking.table_assignments.all()] == ["Four"]
    assert (seat_findings, board_findings) == ([], [])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_check_in_the_20th_row_in_place_and_without_javascript(live_server, browser, stand):
    """Acceptance 2: no jump, focus kept, no navigation; without JavaScript it lands on the row."""
    bookings = forty_bookings(stand)
    twentieth = bookings[19]
    assert twentieth.status == "confirmed"

    page = signed_in(browser, live_server, LAPTOP)
    row = page.locator(f"#booking-{twentieth.pk}")
    row.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy({top: 120, behavior: 'instant'})")
    mark_the_page(page)
    before = page.evaluate("() => window.scrollY")
    row.get_by_role("button", name="Check in").click()

    expect(row.locator(".tk-status")).to_have_text("Checked in")
    assert abs(page.evaluate("() => window.scrollY") - before) <= 2
    assert page.evaluate(f"() => document.getElementById('booking-{twentieth.pk}').contains(document.activeElement)")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Check out"
    assert still_the_same_page(page)
    page.screenshot(path=str(ARTIFACTS / "host-stand-checked-in-in-place-1366.png"))

    plain = signed_in(browser, live_server, LAPTOP, javascript=False)
    twenty_first = bookings[23]
    plain.locator(f"#booking-{twenty_first.pk}").get_by_role("button", name="Check in").click()
    plain.wait_for_load_state()
    assert plain.url.endswith(f"#booking-{twenty_first.pk}")
    box = plain.locator(f"#booking-{twenty_first.pk}").bounding_box()
    assert box is not None and -2 <= box["y"] < LAPTOP["height"]
    expect(plain.locator(f"#booking-{twenty_first.pk} .tk-status")).to_have_text("Checked in")
    plain.screenshot(path=str(ARTIFACTS / "host-stand-no-javascript-1366.png"))

    assert {b.status for b in Booking.objects.filter(pk__in=[twentieth.pk, twenty_first.pk])} == {"checked_in"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [LAPTOP, TABLET], ids=["1366x768", "768x1024"])
def test_every_rows_actions_are_inside_the_viewport(live_server, browser, stand, viewport):
    """Acceptance 3, with the earlier finished bookings shown too."""
    forty_bookings(stand)
    BookingFactory(restaurant=stand, start_time=dt.time(8), end_time=dt.time(9), completed=True)
    page = signed_in(browser, live_server, viewport)
    size = f"{viewport['width']}x{viewport['height']}"
    page.screenshot(path=str(ARTIFACTS / f"host-stand-board-{size}.png"))
    page.get_by_label("Show 1 earlier finished booking").check()

    # Inside the viewport, and inside the list's own box (which would clip and scroll what overflows).
    outside = page.evaluate(
        """() => {
            const width = Math.min(window.innerWidth, document.documentElement.clientWidth);
            const list = document.querySelector('#changelist .results').getBoundingClientRect();
            return Array.from(document.querySelectorAll('#result_list .tk-action')).filter(el => {
                const box = el.getBoundingClientRect();
                return box.left < Math.max(0, list.left) || box.right > Math.min(width, list.right);
            }).map(el => el.closest('tr').id + ' ' + el.textContent.trim());
        }"""
    )
    actions = page.locator("#result_list .tk-action").count()
    assert actions >= 60 and outside == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.evaluate(
        "() => { const r = document.querySelector('#changelist .results'); return r.scrollWidth <= r.clientWidth; }"
    )
    page.screenshot(path=str(ARTIFACTS / f"host-stand-board-full-{size}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_the_search_box_the_first_rows_first_action_is_five_tabs_away(live_server, browser, stand):
    """Acceptance 8 (earlier finished bookings are collapsed, so the first row is a current one)."""
    forty_bookings(stand)
    BookingFactory(restaurant=stand, start_time=dt.time(8), end_time=dt.time(9), completed=True)
    page = signed_in(browser, live_server, LAPTOP)
    first_visible = page.evaluate(
        "() => Array.from(document.querySelectorAll('#result_list tbody tr')).find(r => r.offsetParent !== null).id"
    )

    page.locator("#searchbar").focus()
    presses = 0
    while presses < 5 and not page.evaluate("() => document.activeElement.classList.contains('tk-action')"):
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate("() => document.activeElement.classList.contains('tk-action')"), presses
    assert page.evaluate("() => document.activeElement.closest('tr').id") == first_visible


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_bookings_page_and_a_step_in_place_pass_axe(live_server, browser, stand, axe_source):
    """Acceptance 4: the booking's admin page; the cancel step (who cancelled?) opened in place."""
    booking = BookingFactory(restaurant=stand, start_time=dt.time(20), end_time=dt.time(22), notes="Window please")
    page = signed_in(browser, live_server, LAPTOP)
    mark_the_page(page)
    page.locator(f"#booking-{booking.pk}").get_by_role("link", name="Cancel").click()
    dialog = page.locator("#tk-dialog")
    expect(dialog).to_contain_text("Who cancelled?")
    dialog_findings = axe_violations(page, axe_source, "board-cancel-dialog")
    dialog.get_by_label("The guest").check()
    dialog.get_by_role("button", name="Yes, cancel").click()
    expect(page.locator(f"#booking-{booking.pk} .tk-status")).to_have_text("Cancelled")
    assert still_the_same_page(page)

    page.goto(f"{live_server.url}/admin/bookings/booking/{booking.pk}/change/")
    expect(page.locator("td.field-change").first).to_have_text("Confirmed → Cancelled")
    expect(page.locator("td.field-why").first).to_contain_text("cancelled by the guest")
    page.screenshot(path=str(ARTIFACTS / "host-stand-booking-page-1366.png"), full_page=True)
    page_findings = axe_violations(page, axe_source, "booking-page")
    booking.refresh_from_db()
    assert booking.status_changes.get().metadata == {"cancelledBy": "guest"}
    assert (dialog_findings, page_findings) == ([], [])
