"""Fixed-window rate limits for the ops API, counted in Django's cache (`CACHE_URL`).

A fixed window (the count resets every `window` seconds) is what DESIGN 5.2 asks for: cheap, one
`add` and one `incr` per request, and shared by every web node through the cache. If the cache
cannot be reached the request is let through and a warning is logged: a broken cache must not stop
a host seating a guest.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("tablekeeper.ops")

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


class FixedWindowThrottle(BaseThrottle):
    """`scope` names the rate in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`."""

    scope: str

    def __init__(self) -> None:
        self.limit, self.window = _parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope])
        self._wait: int | None = None

    def hit(self, ident: str) -> int | None:
        """Count one request for `ident`; None when allowed, else the seconds until the window resets."""
        now = int(time.time())
        window_start = now - now % self.window
        key = f"throttle:{self.scope}:{ident}:{window_start}"
        try:
            cache.add(key, 0, timeout=self.window + 1)
            count = cache.incr(key)
        except Exception:  # any cache backend's connection error: fail open, loudly
            logger.warning("event=throttle_unavailable scope=%s ident=%s", self.scope, ident, exc_info=True)
            return None
        if count <= self.limit:
            return None
        return max(1, window_start + self.window - now)

    def allow_request(self, request, view) -> bool:
        self._wait = self.hit(str(request.user.pk))
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait


class OpsListThrottle(FixedWindowThrottle):
    """List calls per staff user."""

    scope = "ops_list"


class OpsCreateThrottle(FixedWindowThrottle):
    """Creates per (staff user, restaurant); checked by the view after body validation (DESIGN 5.2)."""

    scope = "ops_create"

    def check(self, *, user, restaurant_id) -> int | None:
        return self.hit(f"{user.pk}:{restaurant_id}")
