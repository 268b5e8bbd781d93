"""The restaurant settings page in headless Chromium: axe-core finds nothing serious (issue 12 acceptance 4).

The page an owner sets the restaurant up on: settings with the timezone and country lists, and the
inlines (hours, periods, tables, table groups, turn times, staff), every field labelled.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from restaurants.models import ServicePeriod, TableGroup, TurnTime
from restaurants.services import groups_sync, membership_grant
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, axe_violations
from tests.factories import RestaurantFactory, TableFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_restaurant_settings_page_passes_axe(live_server, chromium_path, axe_source, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    groups_sync()
    restaurant = RestaurantFactory(name="Settings Bistro")
    ServicePeriod.objects.create(restaurant=restaurant, name="dinner", start_time=dt.time(17), end_time=dt.time(22))
    tables = [TableFactory(restaurant=restaurant, name=f"T{n}", max_seats=4) for n in range(1, 4)]
    group = TableGroup.objects.create(restaurant=restaurant, name="Pair", min_seats=5, max_seats=8)
    group.tables.set(tables[:2])
    TurnTime.objects.create(restaurant=restaurant, party_min=1, party_max=2, minutes=75)
    owner = UserFactory(username="settings-owner")
    membership_grant(user=owner, restaurant=restaurant, role="owner")
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{live_server.url}/admin/login/?next=/admin/restaurants/restaurant/{restaurant.pk}/change/")
        page.fill("#id_username", "settings-owner")
        page.fill("#id_password", "pw-for-tests-123")
        page.click("input[type=submit]")
        expect(page.get_by_role("link", name="Invite staff")).to_be_visible()
        expect(page.locator("select[name=timezone]")).to_have_value("Europe/London")
        findings = axe_violations(page, axe_source, "restaurant-settings")
        page.screenshot(path=str(ARTIFACTS / "restaurant-settings-1366.png"), full_page=True)
        page.get_by_role("link", name="Invite staff").click()
        invite_findings = axe_violations(page, axe_source, "restaurant-invite")
        browser.close()
    connections.close_all()

    assert (findings, invite_findings) == ([], [])
