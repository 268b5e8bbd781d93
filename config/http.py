"""Facts about an HTTP request that every entry point reads the same way (DESIGN 12).

`client_ip` is the one client-IP rule: every throttle and every record of a request's origin uses
it. `TRUSTED_PROXY_COUNT` (default 0) says how many proxies in front of the app append to
`X-Forwarded-For`; with 0 the client is `REMOTE_ADDR` and the header is ignored (anyone can send
it), with N the client is the Nth entry from the right (the one the outermost trusted proxy saw).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(forwarded) < trusted:  # the proxies did not append as configured: trust only the socket
        return remote
    return _ip(forwarded[-trusted]) or remote


def user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:255]
