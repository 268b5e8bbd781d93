"""The throttle's counter on Redis, the production cache (DESIGN 5.2, 13): one fixed window per key
that counts every hit and expires with the window."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from config import throttling

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings):
    """The default cache on the test Redis server (its DB 15), under a prefix of this test's own."""
    url = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/15"
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    server = redis.Redis.from_url(url)
    yield server
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_each_hit_counts_until_the_limit_and_the_window_expires_on_its_own(redis_cache, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"ops_create": "3/min"}}
    ident = f"user:{uuid.uuid4().hex}"

    answers = [throttling.hit("ops_create", ident) for _ in range(4)]

    assert answers[:3] == [None, None, None]
    assert 1 <= answers[3] <= 60
    (key,) = redis_cache.scan_iter(f"*throttle:ops_create:{ident}:*")
    assert redis_cache.get(key) == b"4"
    assert 0 < redis_cache.ttl(key) <= 61


def test_a_cache_the_settings_replace_gets_its_own_client(redis_cache, settings):
    """A new cache backend (new settings, another process's fork) never counts through an old one's client."""
    ident = f"ip:{uuid.uuid4().hex}"
    assert throttling.hit("ops_create", ident) is None
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    assert throttling.hit("ops_create", ident) is None  # the closed port: let through, not counted on the old one
    (key,) = redis_cache.scan_iter(f"*throttle:ops_create:{ident}:*")
    assert redis_cache.get(key) == b"1"
