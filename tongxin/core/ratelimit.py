"""One rate limiter for the whole site: a fixed window per (scope, client) counted in Django's cache.

A scope's rate is a setting, `TONGXIN_RATE_<SCOPE>` (settings.TONGXIN_RATES), written like "10/m",
"30/5m" or "1000/d". `hit(scope, ident)` counts one request and says whether it is allowed and, if
not, how many seconds remain of the window (the `Retry-After`).

`RateLimitMiddleware` applies the scopes named in settings.TONGXIN_RATE_LIMITED to the views they
name (POST only, or the methods given): the sign-in page and the token endpoint (`login`, `token`, per
address) and the filing and upload endpoints (`submit`, per account). Over the limit it answers 429
with `Retry-After`: JSON `{"detail": …}` under /api/, a page in the reader's language elsewhere. The
public receipt lookup counts through the same `hit` (scope `lookup`, shared by its page and its API).

The count lives in the shared cache (TONGXIN_CACHE_URL: Redis for several processes); without one
each process counts on its own.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = _RATE.match(text or "")
        if not match or int(match.group(1)) < 1 or match.group(2) == "0":
            raise ImproperlyConfigured(f"a rate is like 10/m, 30/5m or 1000/d, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2) or 1) * UNITS[match.group(3)])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 while allowed)


def rate_of(scope: str) -> Rate:
    return Rate.parse(settings.TONGXIN_RATES[scope])


def hit(scope: str, ident: str, rate: Rate | None = None) -> Decision:
    """Count one request of `ident` in `scope`; refused once the window's count passes the rate."""
    rate = rate or rate_of(scope)
    now = time.time()
    window = int(now // rate.seconds)
    key = f"tongxin:rate:{scope}:{ident}:{window}"
    cache.add(key, 0, rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, rate.seconds + 1)
        count = 1
    if count <= rate.count:
        return Decision(True, 0)
    return Decision(False, max(1, math.ceil((window + 1) * rate.seconds - now)))


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def client_of(request: HttpRequest) -> str:
    """Who a per-account limit counts: the signed-in account, the API token sent (hashed: the key
    never reaches the cache), or else the address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Token "):
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "ip:" + client_ip(request)


def too_many(request: HttpRequest, retry_after: int) -> HttpResponseBase:
    """The 429: JSON under /api/, the page elsewhere; both with Retry-After."""
    from tongxin.core.errors import error_page, wants_json

    detail = _("请求过于频繁，请 %(seconds)s 秒后再试。") % {"seconds": retry_after}
    response: HttpResponseBase
    if wants_json(request):
        response = JsonResponse({"detail": detail}, status=429)
    else:
        response = error_page(request, "429.html", 429, {"detail": detail, "retry_after": retry_after})
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Limits the views named in settings.TONGXIN_RATE_LIMITED: {url name: scope or (scope, methods)}."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        match = request.resolver_match
        rule = settings.TONGXIN_RATE_LIMITED.get(match.view_name) if match else None
        if rule is None:
            return None
        scope, methods = (rule, ("POST",)) if isinstance(rule, str) else rule
        if request.method not in methods:
            return None
        ident = client_ip(request) if scope in ("login", "token") else client_of(request)
        decision = hit(scope, ident)
        return None if decision.allowed else too_many(request, decision.retry_after)
