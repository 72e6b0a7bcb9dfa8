"""Pages for an account that must change its password: every page sends it to the change page.

Set at first sign-in of an account an administrator created, and after an administrator's reset
(`User.must_change_password`), and once the password is older than the maximum age
(settings.TONGXIN_PASSWORD_MAX_AGE_DAYS, `accounts.passwords`). Left open: the change page itself,
signing out, the language switch, health, static files; the API answers for itself in JSON (`accounts.authentication`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin

from tongxin.accounts import twofactor
from tongxin.accounts.passwords import must_change

OPEN_ROUTES = frozenset({"accounts:password", "accounts:logout", "accounts:login", "set_language", "healthz"})


class PageGate(MiddlewareMixin):  # Django's __init__ and __call__
    """Sends every page a signed-in account opens to `target` while `applies(user)`, except the open
    routes; the API and static files answer for themselves."""

    open_routes = OPEN_ROUTES
    target = ""

    def applies(self, user: Any) -> bool:
        raise NotImplementedError

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.path.startswith(("/api/", settings.STATIC_URL or "/static/")):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.open_routes:
            return None
        return redirect(self.target) if self.applies(user) else None


class PasswordChangeRequiredMiddleware(PageGate):
    target = "accounts:password"

    def applies(self, user: Any) -> bool:
        return must_change(user)


class TwoFactorRequiredMiddleware(PageGate):
    """An account whose role must have two-factor sign-in and has no device: every page leads to
    /accounts/twofactor/ (accounts.twofactor; the API's token endpoint answers 403 for itself)."""

    open_routes = OPEN_ROUTES | {"accounts:twofactor", "accounts:login-code"}
    target = "accounts:twofactor"

    def applies(self, user: Any) -> bool:
        return twofactor.required(user) and not twofactor.has_device(user)
