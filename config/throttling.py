"""Rate limits, one mechanism for every scope (DESIGN 5.2, 10, 12).

A fixed window per (scope, identity) counted in the shared cache (`CACHE_URL`), so every web node
sees the same count. One cache round trip per check: on Redis an INCR and an EXPIRE NX in one
pipeline; elsewhere (local memory) an add and an incr. When the cache cannot be reached the request
is let through and a warning is logged: a broken cache must not stop a guest booking or a host
seating a walk-in. Rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`, "N/s|m|h|d".

`ScopedThrottle` is the DRF throttle of every API view: it reads the view's `throttle_scope` and
counts per signed-in user, else per client IP (`config.http.client_ip`). Views with other keys (the
ops create, per user and restaurant) and the HTML pages call `hit()` directly.
"""

from __future__ import annotations

import logging
import time
import weakref

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from config.http import client_ip

logger = logging.getLogger("tablekeeper.throttle")

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate(scope: str) -> tuple[int, int]:
    """(requests, window seconds) of a scope."""
    count, period = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")
    return int(count), _PERIODS[period[0]]


# The redis-py client of each Redis cache backend, built once: building one (Django's `get_client`
# builds one per call) cost more than the round trip it makes (DESIGN 13).
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _redis_client(backend: RedisCache):
    cache_client = backend._cache
    if (client := _clients.get(cache_client)) is None:
        client = _clients[cache_client] = cache_client.get_client(write=True)
    return client


def _count(key: str, window: int) -> int:
    """Add one to the window's counter and return it, in one round trip."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        stored = backend.make_and_validate_key(key)
        pipeline = _redis_client(backend).pipeline(transaction=False)
        pipeline.incr(stored)
        pipeline.expire(stored, window + 1, nx=True)
        count, _ = pipeline.execute()
        return int(count)
    backend.add(key, 0, timeout=window + 1)
    return backend.incr(key)


def hit(scope: str, ident: str) -> int | None:
    """Count one request; None when allowed, else the seconds until the window resets."""
    limit, window = rate(scope)
    now = int(time.time())
    window_start = now - now % window
    try:
        count = _count(f"throttle:{scope}:{ident}:{window_start}", window)
    except Exception:  # any cache backend's connection error: fail open, loudly
        logger.warning("event=throttle_unavailable scope=%s", scope, exc_info=True)
        return None
    if count <= limit:
        return None
    return max(1, window_start + window - now)


def request_ident(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


class ScopedThrottle(BaseThrottle):
    """The API views' throttle: `view.throttle_scope` names the rate (see the module docstring)."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request, view) -> bool:
        self._wait = hit(view.throttle_scope, request_ident(request))
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait
