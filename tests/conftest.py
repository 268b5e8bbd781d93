"""Fixtures shared by the whole suite.

Services: tests marked `postgres` need DATABASE_URL to point at PostgreSQL and tests marked
`redis` need CELERY_BROKER_URL; tests marked `browser` need Chromium (`find_chromium`). Without
them they skip locally, and CI (`CI=true`) turns any skip into a failure (`pytest_sessionfinish`
below; `.ci/run`).
"""

from __future__ import annotations

import functools
import os
import shutil

import pytest
from django.db import connection
from rest_framework.test import APIClient

from config import celery_app
from restaurants.models import Table
from tests.factories import MembershipFactory, RestaurantFactory, TableFactory, UserFactory

# The integration fixtures (a real worker, broker and SMTP sink), for any package's tests.
from tests.integration import private_redis, publisher, queue, sink, start_worker  # noqa: F401

NO_CHROMIUM = "no Chromium: install Debian's chromium or set CHROMIUM"
# Names Chromium goes by on PATH: Debian's package, then other distributions' and Google's builds.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")


@functools.cache
def find_chromium() -> str | None:
    """The Chromium executable: `$CHROMIUM` when it names one, else the first of CHROMIUM_NAMES on PATH."""
    for name in (os.environ.get("CHROMIUM"), *CHROMIUM_NAMES):
        if name and (found := shutil.which(name)):
            return found
    return None


def pytest_collection_modifyitems(config, items):
    """Without Chromium every `@pytest.mark.browser` test skips (before any server or database is set up)."""
    if find_chromium() is not None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable for Playwright's `launch(executable_path=...)`."""
    if (path := find_chromium()) is None:
        pytest.skip(NO_CHROMIUM)
    return path


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SECURE_SSL_REDIRECT = False
    from django.core.cache import cache

    cache.clear()
    # Unit tests run Celery tasks eagerly; integration tests start a real worker and flip this.
    celery_app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _needs_services(request):
    """`@pytest.mark.postgres` / `@pytest.mark.redis` tests skip without the service (fail in CI)."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    if request.node.get_closest_marker("redis") and not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs Redis: set CELERY_BROKER_URL")


def _ci_skips(config) -> list:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") != "true" or reporter is None:
        return []
    return reporter.stats.get("skipped", [])


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if skipped := _ci_skips(config):
        terminalreporter.write_line(f"CI: {len(skipped)} test(s) skipped; every test must run in CI", red=True)


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: the suite must really run against PostgreSQL and Redis."""
    if _ci_skips(session.config):
        session.exitstatus = 1


@pytest.fixture(params=["legacy", "unified"])
def validation_mode(request, settings):
    """Run a test in both validation modes (DESIGN 5.5)."""
    settings.BOOKING_VALIDATION_MODE = request.param
    return request.param


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def restaurant(db):
    """A London restaurant open 08:00-23:00 that allocates tables by hand.

    Auto-allocation (DESIGN 11) would confirm every new request at once; the tests of other
    behaviour check the request as it was made, so this restaurant leaves allocation to staff. The
    clock's tests ask for `auto_allocating` instead.
    """
    return RestaurantFactory(timezone="Europe/London", auto_allocate=False)


@pytest.fixture
def auto_allocating(db):
    """ "Auto Bistro", a London restaurant open 08:00-23:00 that gives every new request the best free
    table at once (DESIGN 11's default, `auto_allocate` on). No tables: each test lays out its floor."""
    return RestaurantFactory(name="Auto Bistro", slug="auto-bistro", timezone="Europe/London", auto_allocate=True)


@pytest.fixture
def host(db, restaurant):
    user = UserFactory()
    MembershipFactory(user=user, restaurant=restaurant, role="host")
    return user


@pytest.fixture
def owner(db, restaurant):
    user = UserFactory()
    MembershipFactory(user=user, restaurant=restaurant, role="owner")
    return user


@pytest.fixture
def two_and_four_tables(restaurant) -> list[Table]:
    """Two tables at `restaurant`: "Two" (2 seats) and "Four" (4 seats), in that order."""
    return [
        TableFactory(restaurant=restaurant, name="Two", max_seats=2),
        TableFactory(restaurant=restaurant, name="Four", max_seats=4),
    ]
