"""The staff sign-in pages in headless Chromium: axe-core finds nothing serious (issue 12 acceptance 4).

The ops sign-in page clean and after a wrong password, the "forgot password" page it links to, and
the admin's sign-in page, which links to the same reset.
"""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, axe_violations
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_sign_in_pages_pass_axe(live_server, chromium_path, axe_source, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    UserFactory(username="door-host", is_staff=True)
    ARTIFACTS.mkdir(exist_ok=True)
    findings = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
        findings["sign-in"] = axe_violations(page, axe_source, "sign-in")
        page.screenshot(path=str(ARTIFACTS / "sign-in-1366.png"), full_page=True)

        page.get_by_label("Username").fill("door-host")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("didn't match")
        findings["sign-in-error"] = axe_violations(page, axe_source, "sign-in-error")

        page.get_by_role("link", name="Forgot your password?").click()
        expect(page).to_have_url(f"{live_server.url}/accounts/password_reset/")
        findings["password-reset"] = axe_violations(page, axe_source, "password-reset")

        page.goto(f"{live_server.url}/admin/login/")
        expect(page.get_by_role("heading", name="Staff sign-in", level=1)).to_be_visible()
        findings["admin-sign-in"] = axe_violations(page, axe_source, "admin-sign-in")
        page.screenshot(path=str(ARTIFACTS / "admin-sign-in-1366.png"), full_page=True)
        page.get_by_role("link", name="Forgotten your login credentials?").click()
        expect(page).to_have_url(f"{live_server.url}/accounts/password_reset/")
        browser.close()
    connections.close_all()

    assert findings == {"sign-in": [], "sign-in-error": [], "password-reset": [], "admin-sign-in": []}
