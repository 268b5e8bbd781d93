"""Answers of the site itself: `/api/...` paths that name nothing, and server errors under `/api/`.

DESIGN 12: API callers get the JSON error shapes, never an HTML page. `api_not_found` is the last
pattern under `api/` (config.urls), so it answers whatever DEBUG is; it keeps APPEND_SLASH's help
for the few API URLs that end in a slash (`/api/docs` → `/api/docs/`).
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from config.middleware import is_api


@csrf_exempt
def api_not_found(request, path: str = ""):
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return JsonResponse({"error": "Not found"}, status=404)


def server_error(request, template_name: str = "500.html"):
    if is_api(request):
        return JsonResponse({"error": "Internal server error"}, status=500)
    return defaults.server_error(request, template_name=template_name)
