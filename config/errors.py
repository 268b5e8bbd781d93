"""The one application error type: an HTTP-meaningful status, a message and the body extras.

Services raise it (or a subclass); `config.api.exception_handler` and the admin/form layers turn it
into the JSON shape of DESIGN.md or a message. It imports nothing from the web stack so the domain
can use it freely.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status_code = status
        self.code = code
        self.extra = extra or {}

    def as_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.code:
            body["code"] = self.code
        body.update(self.extra)
        return body


class InvalidPayload(ApplicationError):
    """400 with field details: `{"error": "Invalid payload", "details": {field: [messages]}}`."""

    def __init__(self, details: dict[str, list[str]]) -> None:
        super().__init__("Invalid payload", status=400, extra={"details": details})


class Forbidden(ApplicationError):
    def __init__(self, message: str = "Forbidden") -> None:
        super().__init__(message, status=403)


class NotFound(ApplicationError):
    def __init__(self, message: str = "Not found") -> None:
        super().__init__(message, status=404)


class Conflict(ApplicationError):
    status_code = 409
