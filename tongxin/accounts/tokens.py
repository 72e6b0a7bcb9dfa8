"""API tokens: stored as a hash, shown once, expiring, listed and revoked by their owner.

A token is a random key the client sends as `Authorization: Token <key>`. Only its SHA-256
(`key_hash`) and its first eight characters (`prefix`, to tell tokens apart on a list) are kept:
the key itself is returned once, by `issue_token`, and never stored or logged. Each sign-in at
/api/auth/token/ issues a new one (`accounts.views.TokenView`). A token expires after
TONGXIN_TOKEN_DAYS days (default 30) and is refused once expired or revoked
(`accounts.authentication.TokenAuthentication`). Every token of an account is revoked when its
password changes or is reset and when it is locked or deactivated (`accounts.services`); its owner
revokes one at /api/auth/tokens/ or /accounts/sessions/, the security administrator those of the
accounts they administer (`units.administration`). Revoking is audited.

The models of `accounts` know nothing of units, so this module refers to the user model by name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit

KEYWORD = "Token"  # the word before the key in the Authorization header
PREFIX_LENGTH = 8
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used is written at most this often


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=gettext_lazy("用户"))
    key_hash = models.CharField(gettext_lazy("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(gettext_lazy("令牌前缀"), max_length=PREFIX_LENGTH)
    name = models.CharField(gettext_lazy("名称"), max_length=100, blank=True)
    created = models.DateTimeField(gettext_lazy("创建时间"), default=timezone.now)
    expires = models.DateTimeField(gettext_lazy("到期时间"))
    last_used = models.DateTimeField(gettext_lazy("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(gettext_lazy("撤销时间"), null=True, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = gettext_lazy("API 令牌")
        verbose_name_plural = gettext_lazy("API 令牌")
        indexes = [models.Index(fields=["user", "revoked_at", "expires"], name="accounts_token_live")]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires > timezone.now()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_days() -> int:
    return int(getattr(settings, "TONGXIN_TOKEN_DAYS", 30))


def issue_token(user: Any, *, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`: (the stored token, its key). The key is shown to the caller once and
    kept nowhere. Every token the application or a test makes comes from here."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH], name=(name or "").strip()[:100],
        created=now, expires=now + dt.timedelta(days=token_days() if days is None else days))
    return token, key


def find(key: str) -> ApiToken | None:
    """The token whose key this is (live or not), with its user; None for an unknown key."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def touch(token: ApiToken) -> None:
    """Note that the token was used now, at most once a minute (no write on every request)."""
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def live_tokens(user: Any) -> QuerySet[ApiToken]:
    """The account's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires__gt=timezone.now()).order_by(
        "-created", "-pk")


def _record(actor: Any, user: Any, tokens: list[ApiToken], why: str) -> None:
    audit.record(audit.Action.UPDATE, actor=actor, obj=user,
                 changes={"api_tokens": ", ".join(f"{t.prefix}…" for t in tokens), "reason": why})


def revoke(actor: Any, token: ApiToken, *, why: str = "") -> None:
    """Revoke one token (it stops working at once); recorded on the audit trail."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        _record(actor, token.user, [token], why or _("撤销 API 令牌"))


def revoke_all(actor: Any, user: Any, *, why: str, keep: ApiToken | None = None) -> int:
    """Revoke every live token of `user` (but `keep`); recorded once, if there were any."""
    qs = live_tokens(user)
    if keep is not None:
        qs = qs.exclude(pk=keep.pk)
    live = list(qs)
    if live:
        ApiToken.objects.filter(pk__in=[t.pk for t in live]).update(revoked_at=timezone.now())
        _record(actor, user, live, why)
    return len(live)
