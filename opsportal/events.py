"""One structured log line per walk-in create, replay, refusal and failure (logger `tablekeeper.ops`).

The API and the walk-in form both log through here, so an operator greps one format:
`event=<...> channel=ops via=<api|form> staff_id=<id> restaurant_id=<uuid> booking_id=<uuid>|error=<CODE>`.
The same fields are the record's `extra`, so the JSON format (config.logs) has them as keys. A value
the caller typed (a restaurantId that is not a UUID) is written JSON-quoted unless it is a plain
token, so it can neither start a new line nor add a `key=value` pair of its own (DESIGN 12).
"""

from __future__ import annotations

import json
import logging
import re

logger = logging.getLogger("tablekeeper.ops")
_PLAIN = re.compile(r"[A-Za-z0-9._:-]*")

ERROR_CODES_BY_STATUS = {
    400: "INVALID_PAYLOAD",
    401: "AUTHENTICATION_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE",
    429: "RATE_LIMITED",
}


def error_code(status: int, body) -> str:
    """The most specific code an error answer carries: its `code`, its first issue's, or one for the status."""
    if isinstance(body, dict):
        if body.get("code"):
            return str(body["code"])
        if body.get("issues"):
            return str(body["issues"][0].get("code", ""))
        if body.get("reasons"):
            return str(body["reasons"][0]).upper()
    return ERROR_CODES_BY_STATUS.get(status, f"HTTP_{status}")


def log_walkin(
    event: str, *, via: str, user, restaurant_id, booking_id=None, error: str | None = None, level=logging.INFO
) -> None:
    fields = {
        "event": event,
        "channel": "ops",
        "via": via,
        "staff_id": getattr(user, "pk", None),
        "restaurant_id": restaurant_id,
    }
    if booking_id is not None:
        fields["booking_id"] = booking_id
    if error is not None:
        fields["error"] = error
    logger.log(level, " ".join(f"{key}={_shown(value)}" for key, value in fields.items()), extra=fields)


def _shown(value) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)
