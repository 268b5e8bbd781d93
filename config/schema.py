"""The OpenAPI schema documents every answer an operation can give (DESIGN 12), not only its own.

Some answers come from the site around the views, the same for every operation, so they are added
here (a drf-spectacular post-processing hook) instead of on each view:
- 400 on every operation: a null character in the path, query or headers (`config.middleware`),
  or a malformed parameter or body;
- 413 and 415 on every operation with a body: too large (`config.parsers`), not JSON;
- 401 and 403 on every ops operation: not signed in; not a member of the restaurant, or a session
  without its second factor (`opsportal.second_factor`);
- 404 on every operation with a path parameter: nothing there, or nothing the caller may see.
What only some operations answer (409, 422, 429, ...) is declared on the view.
"""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}
METHODS = {"get", "post", "put", "patch", "delete"}
EDGE_RESPONSES = {
    "400": "Invalid input: a malformed parameter or body, or a null character anywhere in the request.",
    "401": "Authentication required (a token or a signed-in session).",
    "403": "Not a member of that restaurant, or a session still without its second factor.",
    "404": "Not found, or not one the caller may see.",
    "413": "Request body too large.",
    "415": "The body is not JSON.",
}


def _response(code: str) -> dict:
    return {"description": EDGE_RESPONSES[code], "content": {"application/json": {"schema": ERROR}}}


def document_edge_responses(result, generator, request, public):
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            codes = ["400"]
            if "requestBody" in operation:
                codes += ["413", "415"]
            if path.startswith("/api/ops/"):
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _response(code))
            operation["responses"] = dict(sorted(responses.items()))
    return result
