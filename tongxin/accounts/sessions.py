"""Signed-in sessions: which browsers an account is signed in on, and ending them.

A `SignedInSession` row is written when a person signs in on the web (the `user_logged_in` signal,
`accounts.signals`) and removed when they sign out, when the session times out
(`accounts.session_middleware`) or when it is ended here. The person sees their own at
/accounts/sessions/ and ends any other one, or all others; ending one deletes the Django session
itself, so that browser is signed out at its next request. Each ending is audited.

The session also carries two timestamps (`STARTED_KEY`, `LAST_KEY`, epoch seconds) that the idle
timeout and the absolute cap are checked against.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit

STARTED_KEY = "tx_signed_in_at"
LAST_KEY = "tx_last_seen"
TOUCH_SECONDS = 60  # the session and its row are written at most this often while in use


class SignedInSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions",
                             verbose_name=gettext_lazy("用户"))
    session_key = models.CharField(gettext_lazy("会话标识"), max_length=40, unique=True)
    created = models.DateTimeField(gettext_lazy("登录时间"), default=timezone.now)
    last_seen = models.DateTimeField(gettext_lazy("最近活动"), default=timezone.now)
    ip = models.GenericIPAddressField(gettext_lazy("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(gettext_lazy("浏览器"), max_length=300, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = gettext_lazy("登录会话")
        verbose_name_plural = gettext_lazy("登录会话")

    def __str__(self) -> str:
        return f"{short_agent(self.user_agent)} {self.ip or ''}".strip()

    @property
    def device(self) -> str:
        return short_agent(self.user_agent)


_BROWSERS = [("Edge", r"Edg(?:e|A|iOS)?/(\d+)"), ("Firefox", r"Firefox/(\d+)"), ("Chrome", r"Chrome/(\d+)"),
             ("Safari", r"Version/(\d+).*Safari/"), ("curl", r"curl/(\d+)"), ("Python", r"python-requests/(\d+)")]
_SYSTEMS = [("Windows", "Windows"), ("Android", "Android"), ("iOS", "iPhone"), ("iOS", "iPad"),
            ("macOS", "Mac OS X"), ("Linux", "Linux")]


def short_agent(agent: str) -> str:
    """"Chrome 120 · Windows" for a user agent string; its first 40 characters if unknown."""
    agent = agent or ""
    browser = next((f"{name} {m.group(1)}" for name, pattern in _BROWSERS if (m := re.search(pattern, agent))), "")
    system = next((name for name, needle in _SYSTEMS if needle in agent), "")
    words = " · ".join(w for w in (browser, system) if w)
    return words or agent[:40] or "—"


def _store(session_key: str) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def _address(value: Any) -> str | None:
    """The client's IP address, or None for anything that is not one (the column is typed)."""
    try:
        return str(ipaddress.ip_address(str(value or "").strip()))
    except ValueError:
        return None


def record_sign_in(request: Any, user: Any) -> None:
    """At sign-in: stamp the session and note where it was opened."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[STARTED_KEY] = session[LAST_KEY] = now
    if not session.session_key:
        session.save()
    meta = getattr(request, "META", {}) or {}
    ip = _address(meta.get("REMOTE_ADDR"))
    SignedInSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "ip": ip, "user_agent": str(meta.get("HTTP_USER_AGENT") or "")[:300],
                  "created": timezone.now(), "last_seen": timezone.now()})


def forget(session_key: str | None) -> None:
    """At sign-out or time-out: the session's row goes (Django removes the session itself)."""
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


def seen(session_key: str) -> None:
    SignedInSession.objects.filter(session_key=session_key).update(last_seen=timezone.now())


def sessions_of(user: Any) -> QuerySet[SignedInSession]:
    """The account's sessions that still work: their Django session exists and has not expired, and
    they were used within the idle timeout and opened within the absolute cap. Newest first."""
    now = timezone.now()
    idle = dt.timedelta(seconds=settings.TONGXIN_SESSION_IDLE_SECONDS)
    cap = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    alive = Session.objects.filter(expire_date__gt=now).values("session_key")
    return SignedInSession.objects.filter(user=user, session_key__in=alive, last_seen__gt=now - idle,
                                          created__gt=now - cap).order_by("-last_seen", "-pk")


def _end(records: list[SignedInSession]) -> None:
    for record in records:
        _store(record.session_key).delete()
    SignedInSession.objects.filter(pk__in=[r.pk for r in records]).delete()


def _record(actor: Any, user: Any, records: list[SignedInSession], why: str) -> None:
    audit.record(audit.Action.LOGOUT, actor=actor, obj=user,
                 changes={"sessions": ", ".join(str(r) for r in records), "reason": why})


def end_session(actor: Any, record: SignedInSession, *, why: str = "") -> None:
    """End one session: its browser is signed out at its next request. Audited."""
    _end([record])
    _record(actor, record.user, [record], why or _("结束登录会话"))


def end_sessions(actor: Any, user: Any, *, why: str, keep: str | None = None) -> int:
    """End every session of `user` but the one whose key is `keep`; audited once, if there were any."""
    records = list(SignedInSession.objects.filter(user=user).exclude(session_key=keep or ""))
    if records:
        _end(records)
        _record(actor, user, records, why)
    return len(records)
