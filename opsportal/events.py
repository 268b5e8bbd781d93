"""One structured log line per walk-in create, replay, refusal and failure (logger `tablekeeper.ops`).

The API and the walk-in form both log through here, so an operator greps one format:
`event=<...> channel=ops via=<api|form> staff_id=<id> restaurant_id=<uuid> booking_id=<uuid>|error=<CODE>`.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("tablekeeper.ops")

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
    logger.log(level, " ".join(f"{key}={value if value is not None else '-'}" for key, value in fields.items()))
