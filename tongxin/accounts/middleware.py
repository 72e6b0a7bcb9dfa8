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

from tongxin.accounts import twofactor
from tongxin.accounts.passwords import must_change

OPEN_ROUTES = frozenset({"accounts:password", "accounts:logout", "accounts:login", "set_language", "healthz"})


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not must_change(user):
            return None
        if request.path.startswith(("/api/", settings.STATIC_URL or "/static/")):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_ROUTES:
            return None
        return redirect("accounts:password")


TWO_FACTOR_OPEN_ROUTES = OPEN_ROUTES | {"accounts:twofactor", "accounts:login-code"}


class TwoFactorRequiredMiddleware(PasswordChangeRequiredMiddleware):
    """An account whose role must have two-factor sign-in and has no device: every page leads to
    /accounts/twofactor/ (accounts.twofactor; the API's token endpoint answers 403 for itself)."""

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.path.startswith(("/api/", settings.STATIC_URL or "/static/")):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN_ROUTES:
            return None
        if not twofactor.required(user) or twofactor.has_device(user):
            return None
        return redirect("accounts:twofactor")
