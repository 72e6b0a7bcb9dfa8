"""Sessions end after TONGXIN_SESSION_IDLE_SECONDS without a request (default 30 minutes) and, whatever
the activity, SESSION_COOKIE_AGE after sign-in (default 8 hours).

The session carries the time of sign-in and of its last request (`accounts.sessions`); the last one
is written at most once a minute, so a busy page does not write the session on every request. A
page request of a timed-out session is sent to the login page with "登录已超时，请重新登录"; an API
request that relied on the session answers 401 in JSON (one that carries a token goes on: the token
decides).

It works in process_view and sits after `core.errors.DatabaseUnavailableMiddleware` in MIDDLEWARE:
when the database is down, that one answers 503 before this one reads or writes anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from tongxin.accounts import sessions

LOGIN_ROUTES = frozenset({"accounts:login", "accounts:logout"})


def timed_out(session: Any, now: float) -> bool:
    last, started = session.get(sessions.LAST_KEY), session.get(sessions.STARTED_KEY)
    if isinstance(last, int | float) and now - last > settings.TONGXIN_SESSION_IDLE_SECONDS:
        return True
    return isinstance(started, int | float) and now - started > settings.SESSION_COOKIE_AGE


class SessionIdleTimeoutMiddleware(MiddlewareMixin):  # Django's __init__ and __call__

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return None
        now = time.time()
        if timed_out(session, now):
            return self.end(request, user)
        if sessions.STARTED_KEY not in session:  # signed in before this middleware existed
            session[sessions.STARTED_KEY] = now
        last = session.get(sessions.LAST_KEY)
        if not isinstance(last, int | float) or now - last >= sessions.TOUCH_SECONDS:
            session[sessions.LAST_KEY] = now
            if session.session_key:
                sessions.seen(session.session_key)
        return None

    def end(self, request: HttpRequest, user: Any) -> HttpResponseBase | None:
        from tongxin.core import audit
        from tongxin.core.errors import wants_json

        sessions.forget(request.session.session_key)
        why = _("会话超时")
        audit.record(audit.Action.LOGOUT, actor=user, object_repr=f"{user.get_username()} ({why})")
        request.session.flush()
        request.user = AnonymousUser()
        message = _("登录已超时，请重新登录")
        match = request.resolver_match
        if wants_json(request):
            if request.META.get("HTTP_AUTHORIZATION"):
                return None  # a token call: the token decides
            response = JsonResponse({"detail": message, "code": "session_timeout"}, status=401)
            response["WWW-Authenticate"] = "Token"
            return response
        messages.warning(request, message)
        if match is not None and match.view_name in LOGIN_ROUTES:
            return None
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
