"""The API of one's own tokens: the answer that hands out a new one, listing, revoking, signing out.

- POST /api/auth/token/ and /api/auth/password/ answer `issued(...)`: the key (this once), its id,
  prefix, name and expiry (accounts.views).
- GET /api/auth/tokens/: the caller's tokens that still work; DELETE /api/auth/tokens/<id>/ revokes
  one of them (404 for anyone else's).
- POST /api/auth/logout/: revokes the token the call was made with (or, signed in by session,
  signs the session out).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tongxin.accounts import sessions, tokens
from tongxin.core.views_base import ScopedMixin

NEW_TOKEN: dict[str, serializers.Field] = {
    "token": serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only now."),
    "token_id": serializers.IntegerField(),
    "prefix": serializers.CharField(help_text="The key's first 8 characters, as the token list shows them"),
    "name": serializers.CharField(),
    "expires": serializers.DateTimeField(),
}


def issued(user: Any, request: Request) -> dict[str, Any]:
    """A new token for `user`, named by the request's `name` (or its client), as the API hands it out."""
    data = getattr(request, "data", None)
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        name = sessions.short_agent(str(request.META.get("HTTP_USER_AGENT") or ""))
    token, key = tokens.issue_token(user, name=name)
    return {"token": key, "token_id": token.pk, "prefix": token.prefix, "name": token.name,
            "expires": serializers.DateTimeField().to_representation(token.expires)}


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner or an administrator sees it: never the key, only its first characters."""

    class Meta:
        model = tokens.ApiToken
        fields = ["id", "prefix", "name", "created", "expires", "last_used"]
        read_only_fields = fields


class TokenListAPI(ScopedMixin, APIView):
    """Your API tokens that still work, newest first."""

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(TokenSerializer(tokens.live_tokens(request.user), many=True).data)


class TokenRevokeAPI(ScopedMixin, APIView):
    """Revoke one of your API tokens: it stops working at once."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        token = get_object_or_404(tokens.live_tokens(request.user), pk=pk)
        tokens.revoke(request.user, token, why=_("本人撤销"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAPI(ScopedMixin, APIView):
    """Sign out: the token this call carries is revoked (signed in by session: the session ends)."""

    @extend_schema(request=None, responses=inline_serializer("LoggedOut", {"detail": serializers.CharField()}))
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, tokens.ApiToken):
            tokens.revoke(request.user, request.auth, why=_("退出登录"))
        else:
            logout(request._request)
        return Response({"detail": _("已退出登录")})
