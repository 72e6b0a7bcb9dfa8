"""Errors as a user and an API client should see them.

Guarantees:
- Every error under /api/ (and /healthz) is JSON, `{"detail": "..."}` like DRF's own: Django's 400,
  403, 404 and 500 handlers, a CSRF failure, a 405 or 413 from a plain Django view or a middleware.
  DRF's own responses are left as DRF rendered them (JSON, or the browsable API for a browser).
- Elsewhere the 400, 403, 404 and 500 pages are friendly and in the reader's language; each says
  what happened and what to do, with a link home.
- A database outage (`OperationalError`, `InterfaceError`) is a 503 with `Retry-After`, never a
  500, wherever it happens: in a view, a template's context processor, a middleware. The 503 and 500
  pages are rendered without the request's context, so they need no database.
- Two clerks changing the same record at once: the loser's service raises `Conflict`, which is a
  409 — JSON `{"detail": ...}` under /api/ (core.api.exception_handler), the 409 page elsewhere
  (DatabaseUnavailableMiddleware.process_exception) — never a 500.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponseBase]

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# Headers a JSON rewrite of an error keeps: they tell the client what to do next.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


class Conflict(Exception):
    """The request lost a race or acted on a stale state (another clerk changed the record first):
    409, with a message saying what to do (reload and try again)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message or status_message(409))


def wants_json(request: HttpRequest) -> bool:
    """The API and the health check answer JSON; every other path is a page."""
    path = request.path_info or request.path or ""
    return path.startswith("/api/") or path == "/healthz"


def status_message(status: int) -> str:
    """What a status means to the caller, in the active language."""
    messages = {
        400: _("请求中有无法处理的内容，请返回检查后再试。"),
        401: _("请先登录。"),
        403: _("您无权进行此操作"),
        404: _("未找到。"),
        405: _("此地址不接受这种请求方式。"),
        409: _("该记录刚被他人修改，请刷新页面后再操作。"),
        413: _("提交的内容过大。"),
        500: _("系统出错了，请稍后再试；若反复出现，请联系系统管理员。"),
        503: _("数据库暂时无法访问，请稍后再试。"),
    }
    if status in messages:
        return messages[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def database_answers() -> bool:
    """Whether the default database still answers: an OperationalError it raised for one query (SQLite's
    "LIKE pattern too complex") is a bug to fix, not an outage to wait out."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DATABASE_ERRORS:
        return False
    except Exception:  # e.g. PostgreSQL's "current transaction is aborted": it answered
        return True


def bare_page(template: str, status: int, context: dict[str, Any] | None = None) -> HttpResponse:
    """A page rendered without the request's context processors (they read the database): for the 500
    and 503 pages. If even that fails, a few words of plain HTML in both languages."""
    try:
        body = loader.get_template(template).render(context or {})
    except Exception:  # the last resort must not raise
        logger.exception("could not render %s", template)
        body = ("<!DOCTYPE html><meta charset='utf-8'><title>同心</title><p>系统暂时无法使用，请稍后再试。"
                " · The system is unavailable, please try again later.</p><p><a href='/'>返回首页 · Home</a></p>")
    return HttpResponse(body, status=status)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a page (needing no database) elsewhere."""
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"detail": status_message(503)}, status=503)
    else:
        response = bare_page("503.html", 503, {"retry_after": RETRY_AFTER_SECONDS})
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def error_page(request: HttpRequest, template: str, status: int, context: dict[str, Any] | None = None) -> HttpResponse:
    """The friendly page in the site's layout; a 503 if the layout cannot reach the database, the
    bare page if anything else in the layout fails."""
    try:
        return render(request, template, context, status=status)
    except DATABASE_ERRORS:
        return unavailable(request)
    except Exception:
        logger.exception("could not render %s with its context", template)
        return bare_page(template, status, context)


def _json(status: int, detail: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail or status_message(status)}, status=status)


# --- Django's error handlers (urls.py) -----------------------------------------------------------

def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return _json(400)
    return error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception or "")
    if wants_json(request):
        return _json(403, message or None)
    return error_page(request, "403.html", 403, {"exception": message})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return _json(404)
    return error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when what failed was the database (raised outside any view, e.g. a middleware)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS) and not database_answers():
        return unavailable(request)
    if wants_json(request):
        return _json(500)
    return bare_page("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the page was open too long or came from elsewhere."""
    message = _("页面已过期或来源无法确认，请刷新页面后重新提交。")
    if wants_json(request):
        return _json(403, message)
    return error_page(request, "403.html", 403, {"exception": message, "csrf": True})


# --- middleware ---------------------------------------------------------------------------------

class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with Retry-After instead of a 500.

    process_view loads the signed-in user (the first thing that reads the database) where a failure
    can still be answered here; process_exception catches an outage in any view or template.
    Anything that escapes both reaches `server_error`, which answers 503 as well.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        try:
            if user is not None:
                user.is_authenticated  # noqa: B018 - loads the lazy user (session and user rows)
        except DATABASE_ERRORS:
            logger.exception("database unavailable")
            return unavailable(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if isinstance(exception, Conflict):  # a plain view did not answer it itself: the 409 page / JSON
            if wants_json(request):
                return _json(409, str(exception))
            return error_page(request, "409.html", 409, {"exception": str(exception)})
        if isinstance(exception, DATABASE_ERRORS) and not database_answers():
            logger.error("database unavailable: %s", exception)
            return unavailable(request)
        return None


class ApiErrorsAsJsonMiddleware:
    """Outermost: an error that is not JSON under /api/ (a 405 from a plain view, a 413 or 400 from a
    middleware) is rewritten as `{"detail": ...}` with the same status and its Allow / Retry-After
    headers. On a page, a 405 with no body gets the friendly 400 page instead of a blank one.
    DRF's own responses are left alone."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code < 400 or response.streaming:
            return response
        from rest_framework.response import Response as DrfResponse

        if isinstance(response, DrfResponse):
            return response
        if wants_json(request):
            if "json" in response.get("Content-Type", ""):
                return response
            rewritten: HttpResponseBase = _json(response.status_code)
        elif response.status_code == 405 and not getattr(response, "content", b""):
            rewritten = error_page(request, "400.html", 405, {"message": status_message(405)})
        else:
            return response
        for header in _KEPT_HEADERS:
            if header in response:
                rewritten[header] = response[header]
        for cookie in response.cookies.values():
            rewritten.cookies[cookie.key] = cookie
        return rewritten
