"""Idempotency keys and request fingerprints (DESIGN 5.4).

A key is scoped per restaurant and stored on the booking together with the fingerprint of the request
that created it; `booking_create` compares fingerprints to tell a replay (same body) from a reuse
(different body). Uniqueness is held by the booking's database constraint, not by this module.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from config.errors import InvalidPayload

MAX_KEY_LENGTH = 255  # Booking.idempotency_key


def normalise_key(raw: str | None) -> str | None:
    """The trimmed key; a blank or missing header means no key.

    A UUID key is stored in its canonical form (lower case, hyphens), so every spelling of one UUID
    (upper case, bare hex, braces, `urn:uuid:`) is the same key, as it is the same client request id.
    """
    key = (raw or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidPayload({"Idempotency-Key": [f"Use at most {MAX_KEY_LENGTH} characters."]})
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return key or None


def client_request_id_for(key: str | None) -> uuid.UUID:
    """A UUID key doubles as the client request id; any other key (or none) gets a fresh one."""
    if key:
        try:
            return uuid.UUID(key)
        except ValueError:
            pass
    return uuid.uuid4()


def request_fingerprint(*, method: str, route: str, body) -> str:
    """sha256 of the canonical JSON of (method, route, body): key order and spacing do not matter."""
    canonical = json.dumps(
        {"method": method.upper(), "route": route, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
