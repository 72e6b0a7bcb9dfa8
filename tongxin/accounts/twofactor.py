"""Two-factor sign-in with TOTP (django-otp): set up at /accounts/twofactor/, asked after the password.

- Any account may set up a TOTP device (QR code and the secret as text, confirmed with a code) and
  gets 10 backup codes (a StaticDevice, each usable once), shown once. Turning it off takes a current code.
- Accounts holding one of settings.TONGXIN_2FA_REQUIRED_ROLES (read through user.memberships: accounts
  does not import units) must have it: every page leads to the setup page until it is confirmed
  (`accounts.middleware.TwoFactorRequiredMiddleware`), the token endpoint answers 403.
- Sign-in: the password (LoginView), then /accounts/login/code/ for an account with a confirmed
  device. The pending user id waits in the session for PENDING_SECONDS; MAX_CODE_FAILURES wrong codes
  end it. Every wrong code is a failed sign-in for axes (`user_login_failed` with the request).
- The API: `check_second_factor` (the `otp` field of /api/auth/token/).
- Audited: a device added (CREATE) and removed (DELETE), a backup code used (UPDATE of the backup device).
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import exceptions, serializers

from tongxin.core import audit

PENDING_SECONDS = 5 * 60
MAX_CODE_FAILURES = 5
BACKUP_CODES = 10
SESSION_KEY = "tongxin_2fa_pending"


def required(user: Any) -> bool:
    """Whether the account holds a role that must sign in with a second factor."""
    roles = list(getattr(settings, "TONGXIN_2FA_REQUIRED_ROLES", []))
    if not roles or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.memberships.filter(role__in=roles).exists())


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify(user: Any, code: str) -> Any:
    """The confirmed device (TOTP or backup) that accepts `code`, else None. A backup code is used up."""
    code = "".join(str(code or "").split())
    if not code or len(code) > 16:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            if isinstance(device, StaticDevice):
                audit.record(audit.Action.UPDATE, actor=user, obj=device,
                             object_repr=f"{user.get_username()} 备用验证码已使用",
                             changes={"backup_codes_left": [None, device.token_set.count()]})
            return device
    return None


def wrong_code(user: Any, request: Any) -> None:
    """A wrong code is a failed sign-in: axes counts it, the trail records it."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()},
                           request=getattr(request, "_request", request))


def check_second_factor(user: Any, otp: str, request: Any) -> None:
    """The API token's second factor: raises ValidationError (400, counted as a failure) for a missing or
    wrong code, PermissionDenied (403) for an account that must have 2FA and has none."""
    if has_device(user):
        if verify(user, otp) is None:
            wrong_code(user, request)
            raise serializers.ValidationError({"otp": [_("需要正确的动态验证码（otp）")]})
        return
    if required(user):
        raise exceptions.PermissionDenied(_("该账号须使用双因素认证，请先在网页端“双因素认证”页面完成设置"))


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (one per account), made if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm(user: Any, device: TOTPDevice) -> list[str]:
    """Confirm the TOTP device and make fresh backup codes; returns them (shown once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=c) for c in codes])
    audit.record(audit.Action.CREATE, actor=user, obj=device,
                 object_repr=f"{user.get_username()} 双因素认证设备", changes={"device": [None, "TOTP"]})
    return codes


@transaction.atomic
def remove(user: Any) -> None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        audit.record(audit.Action.DELETE, actor=user, obj=device,
                     object_repr=f"{user.get_username()} 双因素认证设备", changes={"device": ["TOTP", None]})
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
