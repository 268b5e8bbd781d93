"""Placeholder identities for contactless walk-ins (DESIGN 3, 5.3).

The one helper that recognises a placeholder is `is_placeholder_email`: screens and emails use it
to show "no email given" and the mailer uses it to never send to `@system.local`.
"""

from __future__ import annotations

import re

PLACEHOLDER_DOMAIN = "system.local"


def placeholder_slug(client_request_id) -> str:
    """The first 24 letters and digits of the request's client id."""
    return re.sub(r"[^A-Za-z0-9]", "", str(client_request_id))[:24].lower()


def placeholder_email(client_request_id) -> str:
    return f"walkin+{placeholder_slug(client_request_id)}@{PLACEHOLDER_DOMAIN}"


def placeholder_phone(client_request_id) -> str:
    return f"000-{placeholder_slug(client_request_id)}"


def is_placeholder_email(email: str | None) -> bool:
    return bool(email) and email.strip().lower().endswith("@" + PLACEHOLDER_DOMAIN)


def is_placeholder_phone(phone: str | None) -> bool:
    return bool(phone) and phone.startswith("000-")
