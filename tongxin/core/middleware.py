"""Keep the current request reachable from the service layer (for the audit trail's IP and client)."""

from __future__ import annotations

import contextvars

from django.http import HttpRequest

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("tongxin_request", default=None)


def current_request() -> HttpRequest | None:
    return _request.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
