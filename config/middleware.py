"""Bad input that no view should see (DESIGN 12 "API edges"): answered before any view runs.

- A null character in the path, the query string, a header or a form field: 400. PostgreSQL cannot
  store one and refuses a query holding one, so left alone it becomes a 500 in whatever view,
  filter or admin changelist reads it. (JSON bodies are checked by `config.parsers.JSONParser`.)
- A body announced larger than DATA_UPLOAD_MAX_MEMORY_SIZE: 413, read no further.
Under `/api/` the answers have the API's JSON error shapes (DESIGN 5.2); elsewhere they are short
plain-text pages.

`RestaurantTimezoneMiddleware` renders a page in the timezone its view chose for it
(`request.restaurant_timezone`, set by the admin for a restaurant's pages, `restaurants.admin`),
so instants read as the restaurant's local time (DESIGN 12), and resets it after every request.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

API_PREFIX = "/api/"
NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _null_in(request) -> str | None:
    """Where a null character is (path, query, header or form), or None."""
    if NUL in request.path_info:
        return "path"
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "").replace("+", " ")):
        return "query"
    if any(NUL in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return "headers"
    form = request.method == "POST" and request.content_type in FORM_TYPES
    if form and any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists()):
        return "form"
    return None


def bad_request(request, where: str, message: str) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"error": "Invalid payload", "details": {where: [message]}}, status=400)
    return HttpResponse(f"Bad request: {message}\n", status=400, content_type="text/plain; charset=utf-8")


def too_large(request) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"error": "Request body too large"}, status=413)
    return HttpResponse("Request body too large.\n", status=413, content_type="text/plain; charset=utf-8")


class RequestGuardMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = _declared_length(request)
        if length is None:
            return bad_request(request, "headers", "Content-Length is not a number.")
        if limit is not None and length > limit:
            return too_large(request)
        if where := _null_in(request):
            return bad_request(request, where, "Null characters are not allowed.")
        return self.get_response(request)


class RestaurantTimezoneMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_template_response(self, request, response):
        """Runs after the view, before the template renders: the page's instants in the restaurant's zone."""
        if (zone := getattr(request, "restaurant_timezone", None)) is not None:
            timezone.activate(zone)
        return response
