"""API authentication: DRF's token and session authentication, plus the account's own state.

- A locked account's token is refused with 401, like an inactive one's (DRF checks `is_active`).
- An account that must change its password gets 403 with a JSON message on every endpoint except
  the password change itself (`PASSWORD_FREE_ROUTES`), until it has changed it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme as OpenApiSessionScheme
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tongxin.accounts.passwords import must_change

# API routes an account that must change its password may still call.
PASSWORD_FREE_ROUTES = frozenset({"api-password", "api-token"})


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_code = "password_change_required"


def check_account(request: Request, user: Any) -> None:
    """Refuse a locked account (401) and, outside the password change, one that must change it (403)."""
    if getattr(user, "is_locked", False):
        raise exceptions.AuthenticationFailed(_("该账号已被锁定，请联系安全管理员"))
    if must_change(user):
        match = getattr(request._request, "resolver_match", None)
        if match is None or match.view_name not in PASSWORD_FREE_ROUTES:
            raise PasswordChangeRequired(_("请先修改密码：首次登录或密码被重置后，须设置新密码才能继续使用"))


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            return super().authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            user = self.get_model()._default_manager.filter(key=key).values_list("user__is_active", flat=True).first()
            if user is False:
                raise exceptions.AuthenticationFailed(_("该账号已停用，请联系安全管理员")) from None
            raise

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            check_account(request, result[0])
        return result


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            check_account(request, result[0])
        return result


class SessionScheme(OpenApiSessionScheme):
    """The API schema describes our session authentication as DRF's (drf-spectacular matches by class)."""

    target_class = "tongxin.accounts.authentication.SessionAuthentication"
