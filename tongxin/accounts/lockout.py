"""Sign-in lockout through django-axes: the account after 5 wrong passwords, the address after 20.

- The count runs per account (username, from any address) and per source address (any usernames),
  over the last settings.TONGXIN_LOGIN_LOCKOUT_MINUTES (15). An account with
  TONGXIN_LOGIN_FAILURE_LIMIT (5) failures, or an address with TONGXIN_LOGIN_IP_FAILURE_LIMIT (20),
  is refused for 15 minutes from the lockout, the right password included. A success resets the
  account's count. The same for the sign-in page, its code step and the API token endpoint: all
  call Django's `authenticate` with the request, and axes' backend comes first.
- Attempts are AccessAttempt rows in the database (axes' database handler), so tests roll them back.
- The audit trail gets one LOGIN_FAILED per counted failure and one LOCKOUT when a lockout begins;
  attempts refused during a lockout are neither counted nor audited (a flood does not grow the trail).
- The answer: the sign-in page says "账号已锁定，请 15 分钟后再试或联系安全管理员" (status 429); the API
  answers 429 with {"detail": …} and a Retry-After header (`lockout_response`).
- The security administrator lists and lifts lockouts (`units.administration.lockouts`, `lift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit


def window() -> timedelta:
    return timedelta(minutes=settings.TONGXIN_LOGIN_LOCKOUT_MINUTES)


def message() -> str:
    return _("账号已锁定，请 %(minutes)s 分钟后再试或联系安全管理员") % {
        "minutes": settings.TONGXIN_LOGIN_LOCKOUT_MINUTES}


def client_ip(request: HttpRequest) -> str:
    """The address the audit trail records too (REMOTE_ADDR; a proxy in front sets it right)."""
    return str(request.META.get("REMOTE_ADDR") or "")


def _recent() -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - window())


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits (axes has one) and the audit trail."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        by_user, by_ip = (_failures(qs) for qs in self.get_user_attempts(request, credentials))
        if by_ip >= settings.TONGXIN_LOGIN_IP_FAILURE_LIMIT:
            return max(by_user, settings.AXES_FAILURE_LIMIT)  # the address is throttled
        return by_user

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        refused = bool(getattr(request, "axes_locked_out", False))  # set by the backend: already locked out
        super().user_login_failed(sender, credentials, request, **kwargs)
        if refused:
            return
        username = str(credentials.get("username") or "")[:150]
        audit.record(audit.Action.LOGIN_FAILED, actor_name=username, object_repr=username)
        if request is not None and getattr(request, "axes_locked_out", False):
            audit.record(audit.Action.LOCKOUT, actor_name=username, object_repr=username,
                         changes={"ip": [None, client_ip(request)],
                                  "minutes": [None, settings.TONGXIN_LOGIN_LOCKOUT_MINUTES]})

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """A success clears the account's failures (and so their part of the address's count)."""
        username = (credentials or {}).get("username")
        if not username:
            return 0
        count, _rows = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What a refused sign-in gets: JSON 429 under /api/, else the sign-in page (its form says why) as 429."""
    retry = str(int(window().total_seconds()))
    if request.path.startswith("/api/") or original_response is None:
        response: HttpResponse = JsonResponse({"detail": message(), "code": "locked_out"}, status=429,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        response = original_response
        response.status_code = 429
    response["Retry-After"] = retry
    return response


@dataclass(frozen=True)
class Lockout:
    kind: str  # "account" or "address"
    key: str  # the username or the address
    failures: int
    since: datetime | None
    until: datetime | None


def current(kind: str) -> list[Lockout]:
    """Usernames (kind "account") or addresses ("address") locked out now, most recent first."""
    field, limit = (("username", settings.TONGXIN_LOGIN_FAILURE_LIMIT) if kind == "account"
                    else ("ip_address", settings.TONGXIN_LOGIN_IP_FAILURE_LIMIT))
    rows = (_recent().exclude(**{f"{field}__isnull": True}).order_by().values(field)
            .annotate(n=Sum("failures_since_start"), last=Max("attempt_time")).filter(n__gte=limit)
            .order_by("-last"))
    return [Lockout(kind, row[field], row["n"], row["last"], row["last"] + window() if row["last"] else None)
            for row in rows]


def is_locked_out(username: str) -> bool:
    return any(lock.key == username for lock in current("account"))


def lift(kind: str, key: str) -> int:
    """Forget the failures of a username or an address: its lockout ends now. Returns rows removed."""
    field = "username" if kind == "account" else "ip_address"
    count, _rows = AccessAttempt.objects.filter(**{field: key}).delete()
    return int(count)
