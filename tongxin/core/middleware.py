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


class OutOfRangeMiddleware:
    """A number too large for the database in a query string or body (an id like 10^20) makes SQLite
    raise OverflowError deep in a query; answer 400 with words instead of a 500.

    A safety net: forms and serializers should bound their ids, but one missed field must not
    become a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OverflowError):
            return None
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _("数值超出范围，请检查输入")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "400.html", {"message": message}, status=400)
