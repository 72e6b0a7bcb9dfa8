"""/accounts/sessions/: one's own signed-in sessions and API tokens, and ending them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongxin.accounts import sessions, tokens
from tongxin.core.views_base import ScopedView


class SessionsView(ScopedView):
    template_name = "accounts/sessions.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {
            "title": _("登录会话与令牌"), "current": request.session.session_key,
            "sessions": sessions.sessions_of(request.user), "tokens": tokens.live_tokens(request.user),
            "idle_minutes": _idle_minutes()})


def _idle_minutes() -> int:
    from django.conf import settings

    return max(1, settings.TONGXIN_SESSION_IDLE_SECONDS // 60)


class EndSessionView(ScopedView):
    """End one other session of one's own (404 for the current one and anyone else's)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = _own_session(request, pk)
        sessions.end_session(request.user, record, why=_("本人结束"))
        messages.success(request, _("已结束该会话"))
        return redirect("accounts:sessions")


class EndOtherSessionsView(ScopedView):
    def post(self, request: HttpRequest) -> HttpResponse:
        count = sessions.end_sessions(request.user, request.user, why=_("本人结束其他会话"),
                                      keep=request.session.session_key)
        messages.success(request, _("已结束其他 %(n)s 个会话") % {"n": count})
        return redirect("accounts:sessions")


class RevokeTokenView(ScopedView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = tokens.live_tokens(request.user).filter(pk=pk).first()
        if token is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        tokens.revoke(request.user, token, why=_("本人撤销"))
        messages.success(request, _("已撤销该令牌"))
        return redirect("accounts:sessions")


def _own_session(request: HttpRequest, pk: Any) -> sessions.SignedInSession:
    owner: Any = request.user
    record = sessions.SignedInSession.objects.filter(user=owner, pk=pk).exclude(
        session_key=request.session.session_key or "").first()
    if record is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    return record
