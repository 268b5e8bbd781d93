"""Logs as an operator reads them (DESIGN 12): one line per record, each with the request id.

- `LOG_FORMAT=json` (the default when DEBUG is off): one JSON object a line (python-json-logger), so a
  newline or a quote typed into any input stays inside one JSON string and can never forge a line.
- `LOG_FORMAT=text` (the default with DEBUG on): `time level logger [request id] message`, with
  every CR and LF of the record (message and traceback alike) written as `\\r` / `\\n`, for the
  same reason.
- The request id: `RequestIdMiddleware` takes a well-formed `X-Request-ID` from the caller (or the
  proxy in front) or makes one, keeps it in a context variable for the request, and returns it in
  the response's `X-Request-ID`. `RequestIdFilter` puts it on every record (`request_id`, "-" outside
  a request). `config.celery` carries it into the tasks a request dispatches (a task header), so the
  worker's lines about that request's notification share it.
- Personal data: no line names a guest. Loggers log ids, codes and counts, never a name, an email
  address or a phone number; the request line logs the URL route (`b/<str:token>`), never the path
  or query string, which may hold a token or a search for a guest. As a safety net for text we do
  not write (a library's exception message, a traceback), both formatters replace anything shaped
  like an email address with `[email]`.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
NO_REQUEST = "-"
# A caller's id is kept when it is a plain token (letters, digits, `-`, `_`, `.`, up to 64): anything
# else is replaced, so the id itself cannot carry a newline or a guest's email into the logs.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)
request_logger = logging.getLogger("tablekeeper.request")


def current_request_id() -> str:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def redact(text: str) -> str:
    return _EMAIL.sub("[email]", text)


def accepted_request_id(value: str | None) -> str:
    """The caller's id when it is well formed, else a new one."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (the formatters show it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time, level, logger, request id, message, then any `extra` fields."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "asctime": "time"})
        kwargs.setdefault("timestamp", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s", *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatTime(self, record, datefmt=None):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message`; CR and LF escaped so one record is one line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return redact(super().format(record)).replace("\r", "\\r").replace("\n", "\\n")


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict of settings, also used by the Celery worker (`config.celery`) and gunicorn."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "config.logs.JsonFormatter"},
            "text": {"()": "config.logs.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request line below says the same without the path; Django's own would add it.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # Its access log names the path and query string; `tablekeeper.request` replaces it.
            "gunicorn.access": {"level": "WARNING"},
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }


class RequestIdMiddleware:
    """Sets the request id for the request's log lines and tasks; returns it; logs one line per request.

    The request line: method, URL route (never the path: see the module docstring), status and
    duration in milliseconds, as `extra` fields (JSON keys) and in the message.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log(request, status: int, started: float) -> None:
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "-"
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        level = logging.ERROR if status >= 500 else logging.INFO  # a 4xx is the caller's, not ours
        request_logger.log(
            level,
            "event=request method=%s route=%s status=%s duration_ms=%s",
            request.method,
            route,
            status,
            duration_ms,
            extra={"event": "request", "method": request.method, "route": route, "status": status},
        )
