"""The JSON parser of every API (DESIGN 12 "API edges"): bad bodies are 400/413, never a 500.

DRF's own parser lets a body nested a few thousand levels deep reach `json.loads`, whose
RecursionError escapes as a 500, and reads the request stream without Django's upload limit. This
one reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (more is a 413), refuses nesting deeper than
MAX_DEPTH and any null character in a key or a string (PostgreSQL cannot store one) with a 400.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions, parsers

MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "Request body too large"
    default_code = "payload_too_large"


def _check_depth_and_nulls(data) -> None:
    """Walks the parsed value without recursion; raises ParseError on deep nesting or a null character."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ParseError("Null characters are not allowed.")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        for key, item in items:
            if key is not None and "\x00" in key:
                raise exceptions.ParseError("Null characters are not allowed.")
            stack.append((item, depth + 1))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=self._refuse_constant)
        except RecursionError as exc:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        _check_depth_and_nulls(data)
        return data

    @staticmethod
    def _refuse_constant(name: str):
        raise ValueError(f"{name} is not valid JSON")
