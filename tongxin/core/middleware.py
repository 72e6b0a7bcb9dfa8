"""Request plumbing: the current request for the service layer (the audit trail's IP and client, and
the refusals of files it records once the view has returned), closed-by-default pages, and words
instead of a 500 for a number out of range, a bad parameter, or text no database can store (a NUL
character) in a query string or a web form."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.views import APIView

from tongxin.core import safe_input

GetResponse = Callable[[HttpRequest], HttpResponseBase]

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("tongxin_request", default=None)


def current_request() -> HttpRequest | None:
    return _request.get()


class RequestContextMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            try:
                from tongxin.core import audit  # the audit trail needs the models; the middleware loads first

                audit.flush_refusals(request)  # refused files stay on record whatever the view rolled back
            finally:
                _request.reset(token)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login unless its view opts out with `login_not_required` (login, health,
    language switch, later the public portal).

    API views (DRF) are left to DRF: it authenticates tokens inside the view and its
    `IsAuthenticated` default answers 401/403 in JSON, where a redirect to the login page would be
    wrong for a client. The schema and docs views opt out there with their own AllowAny.
    """

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class OutOfRangeMiddleware:
    """A number too large for the database in a query string or body (an id like 10^20) makes SQLite
    raise OverflowError deep in a query; answer 400 with words instead of a 500. A BadRequest (a
    malformed region code, from `scope.region_from_request`) gets the same 400 with its message,
    naming its parameter in the API.

    A safety net: forms and serializers should bound their ids, but one missed field must not
    become a server error.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, OverflowError | BadRequest):
            return None
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        from tongxin.core.errors import error_page

        if isinstance(exception, BadRequest):
            message = str(exception) or _("请求中有无法处理的内容，请返回检查后再试。")
            field = getattr(exception, "field", None)
            body = {field: [message]} if field else {"detail": message}
        else:
            message = _("数值超出范围，请检查输入")
            body = {"detail": message}
        if request.path.startswith("/api/"):
            return JsonResponse(body, status=400)
        return error_page(request, "400.html", 400, {"message": message})


MAX_QUERY_VALUE = 1000  # characters in one query-string value


class SafeInputMiddleware:
    """A NUL character (or a lone surrogate) in a query-string parameter, or in a field of a web form,
    is a 400 naming the parameter or field, before any view, form or query sees it: PostgreSQL refuses
    such text, and a filter or a service would otherwise answer 500. So is a query-string value longer
    than MAX_QUERY_VALUE (a search that long is no search, and SQLite refuses a LIKE pattern past
    50,000 bytes). A form body that cannot be read (malformed multipart) is a 400 too.

    API bodies are left to DRF: its JSON parser (core.api.JSONParser) and its fields check the same.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from django.http import UnreadablePostError
        from django.http.multipartparser import MultiPartParserError

        from tongxin.core.errors import wants_json

        for key, values in request.GET.lists():
            if any(len(v) > MAX_QUERY_VALUE for v in values):
                from django.utils.translation import gettext as _

                return self.refuse(request, key, _("过长：最多 %(n)s 字") % {"n": MAX_QUERY_VALUE})
        params: list[tuple[str, list[str]]] = list(request.GET.lists())
        if request.method == "POST" and not wants_json(request):
            try:
                params += list(request.POST.lists())
            except (MultiPartParserError, UnreadablePostError):
                return self.refuse(request, None, None)
        for key, values in params:
            for text in (key, *values):
                problem = safe_input.text_problem(text)
                if problem:
                    return self.refuse(request, key, problem)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, field: str | None, problem: str | None) -> HttpResponseBase:
        from django.http import JsonResponse

        from tongxin.core.errors import error_page, status_message, wants_json

        message = safe_input.field_message(field, problem) if field and problem else status_message(400)
        if wants_json(request):
            return JsonResponse({safe_input.printable(field) if field else "detail": [message] if field else message},
                                status=400)
        return error_page(request, "400.html", 400, {"message": message})
