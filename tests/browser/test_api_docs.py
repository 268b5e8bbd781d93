"""`/api/docs/` renders Swagger UI from the app alone (DESIGN 12, acceptance 7).

Every request to another host is aborted (Playwright's `page.route`): the page must still render the
API's operations, because its scripts and styles come from drf-spectacular-sidecar, not a CDN.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_with_every_other_host_blocked(live_server, chromium_path):
    blocked: list[str] = []
    served: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)

    def only_this_app(route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            served.append(url)
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", only_this_app)

        page.goto(f"{live_server.url}/api/docs/")

        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tablekeeper API")
        expect(page.locator(".opblock-summary-path", has_text="/api/ops/bookings/{id}/check-in")).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/api/bookings").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
        browser.close()

    assert blocked == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in url for url in served)
    assert any(url.endswith("/api/schema/") for url in served)
