"""drf-spectacular postprocessing: the error answers every operation can give, documented once.

Each operation gets, unless it already documents them, the error statuses the API really answers
(tongxin.core.api.exception_handler makes every one a JSON object):
- 400 bad input (field messages) on every operation that takes a body or query parameters,
- 401 not signed in, on every operation that requires authentication,
- 403 no permission in this scope, 404 not found / not visible (also an invalid page number),
- 409 conflict on writes, 429 throttled,
- 415 on every operation that takes a request body: DRF answers it to a body whose Content-Type is
  missing or not one the operation parses (a raw multipart body without its boundary header, say).
Error answers already documented without a body get the error schema as their body.

Also: a DRF TimeField is "17:00" or "17:00:00" (local time, no offset), which JSON Schema's "time"
format (RFC 3339, offset required) rejects; such fields get a pattern instead of the format.
"""

from __future__ import annotations

from typing import Any

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error: a message, and for some a machine-readable code or per-field errors.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail"],
}

VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Bad input: {\"detail\": ...}, or messages per field (cross-field rules under "
                   "non_field_errors).",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "Bad input: messages per field; broken cross-field rules in non_field_errors",
    "401": "Not signed in, or the token is unknown, expired or revoked",
    "403": "Signed in, but not allowed to do this (role or scope)",
    "404": "No such object, or not visible in your scope",
    "405": "Method not allowed",
    "409": "Conflict with the object's current state",
    "415": "Unsupported media type: the body's Content-Type is missing or not one this operation takes",
    "429": "Too many requests: try again later",
}

WRITE_METHODS = {"post", "put", "patch", "delete"}
METHODS = WRITE_METHODS | {"get", "head", "options", "trace"}


TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


def _local_times(node: Any) -> None:
    """Replace every {"format": "time"} under `node` by the pattern of a local wall-clock time."""
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node["pattern"] = TIME_PATTERN
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def _ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _statuses(method: str, operation: dict[str, Any], secured: bool) -> list[str]:
    has_input = method in WRITE_METHODS or any(
        p.get("in") == "query" for p in operation.get("parameters", []))
    wanted = ["400"] if has_input else []
    if secured:
        wanted.append("401")
    wanted += ["403", "404"]
    if method in WRITE_METHODS:
        wanted.append("409")
    if "requestBody" in operation:
        wanted.append("415")
    wanted.append("429")
    return wanted


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: add the error responses and their schemas to `result`."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR, ERROR_SCHEMA)
    schemas.setdefault(VALIDATION_ERROR, VALIDATION_ERROR_SCHEMA)
    _local_times(result)
    default_security = result.get("security")
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            security = operation.get("security", default_security) or []
            secured = bool(security) and {} not in security
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation, secured):
                responses.setdefault(status, {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.startswith(("4", "5")) and "content" not in response and "$ref" not in response:
                    response["content"] = _ref(VALIDATION_ERROR if status == "400" else ERROR)
    return result
