"""The password policy: Django validators, and the maximum password age.

The graded scheme (GB/T 22239-2019 level 3) asks for composed passwords and periodic change, where
OWASP ASVS advises against both; both are settings and default to the graded scheme:

- `TONGXIN_PASSWORD_COMPOSITION` (default on): at least 8 characters with three of the four classes
  upper case, lower case, digit, symbol (`CompositionValidator`). Off: Django's length rule alone.
- `TONGXIN_PASSWORD_MAX_AGE_DAYS` (default 90, 0 = never): a password older than this must be changed
  (`password_expired`); the forced-change flow does it (`accounts.middleware`, `accounts.authentication`).

Not the user name (Django's UserAttributeSimilarityValidator) and not a common password
(CommonPasswordValidator) are in settings.AUTH_PASSWORD_VALIDATORS next to these.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = (str.isupper, str.islower, str.isdigit)


def classes_in(password: str) -> int:
    """How many of upper, lower, digit and symbol (anything else) the password uses."""
    found = {i for c in password for i, test in enumerate(CLASSES) if test(c)}
    if any(not (c.isupper() or c.islower() or c.isdigit()) for c in password):
        found.add(3)
    return len(found)


class CompositionValidator:
    """At least `min_length` characters and `min_classes` of upper, lower, digit, symbol (when
    settings.TONGXIN_PASSWORD_COMPOSITION is on)."""

    def __init__(self, min_length: int = 8, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if not getattr(settings, "TONGXIN_PASSWORD_COMPOSITION", True):
            return
        if len(password) < self.min_length:
            raise ValidationError(_("密码太短，至少需要 %(n)s 个字符") % {"n": self.min_length},
                                  code="password_too_short", params={"min_length": self.min_length})
        if classes_in(password) < self.min_classes:
            raise ValidationError(_("密码须包含大写字母、小写字母、数字、符号中的至少三类"),
                                  code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少三类")


class MinimumLengthValidator:
    """Django's length rule, applied only when composition is off (composition has its own length)."""

    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if getattr(settings, "TONGXIN_PASSWORD_COMPOSITION", True):
            return
        if len(password) < self.min_length:
            raise ValidationError(_("密码太短，至少需要 %(n)s 个字符") % {"n": self.min_length},
                                  code="password_too_short", params={"min_length": self.min_length})

    def get_help_text(self) -> str:
        return _("密码至少 %(n)s 位") % {"n": self.min_length}


def max_age() -> timedelta | None:
    days = int(getattr(settings, "TONGXIN_PASSWORD_MAX_AGE_DAYS", 90) or 0)
    return timedelta(days=days) if days > 0 else None


def password_expired(user: Any) -> bool:
    """True when the account's password is older than the maximum age (never when it is off, and
    never for an account with no recorded change: the system's own accounts start dated)."""
    age = max_age()
    changed = getattr(user, "password_changed_at", None)
    if age is None or changed is None:
        return False
    return timezone.now() - changed > age


def must_change(user: Any) -> bool:
    """The forced-change flow's question: told to (first sign-in, reset) or the password expired."""
    return bool(getattr(user, "must_change_password", False)) or password_expired(user)
