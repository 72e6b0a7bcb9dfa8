"""API authentication: our API tokens (accounts.tokens) and DRF's session authentication, plus the
account's own state.

- A token is looked up by the hash of its key; an unknown, expired or revoked one is refused with
  401 and words saying which. Its `last_used` is written at most once a minute.
- A locked or inactive account's token is refused with 401.
- An account that must change its password gets 403 with a JSON message on every endpoint except
  the password change itself (`PASSWORD_FREE_ROUTES`), until it has changed it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme as OpenApiSessionScheme
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tongxin.accounts import tokens
from tongxin.accounts.passwords import must_change

# API routes an account that must change its password may still call.
PASSWORD_FREE_ROUTES = frozenset({"api-password", "api-token", "api-logout"})


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
    """`Authorization: Token <key>`; request.auth is the ApiToken."""

    keyword = tokens.KEYWORD
    model = tokens.ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = tokens.find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效，请重新登录获取令牌"))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("令牌已被撤销，请重新登录获取新令牌"))
        if token.expires <= timezone.now():
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录获取新令牌"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该账号已停用，请联系安全管理员"))
        tokens.touch(token)
        return token.user, token

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
