"""Users. Authentication only: what a user may see and do lives with units (memberships, roles).

Two flags of an account's own state live here, because they decide whether the person may sign in
at all and what they must do first:

- `must_change_password`: set when an administrator creates the account or resets its password;
  until the person chooses their own password, every page sends them to the change page and the
  API answers 403 (`accounts.middleware`, `accounts.authentication`).
- `password_changed_at`: a password older than settings.TONGXIN_PASSWORD_MAX_AGE_DAYS must be changed
  the same way (`password_must_change`, `accounts.passwords`).
- `is_locked` (with `locked_reason`): an administrative lock. A locked account, like an inactive
  one (`is_active` False), cannot sign in, keeps no session and cannot use an API token
  (`accounts.backends.AccountBackend`).
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet


class AccountManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Django's user manager, whose querysets also offer `restrict(user, mode)` (units.scope)."""


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    is_locked = models.BooleanField(_("已锁定"), default=False)
    locked_reason = models.CharField(_("锁定原因"), max_length=200, blank=True)
    # When the password was last set: past settings.TONGXIN_PASSWORD_MAX_AGE_DAYS it must be changed.
    password_changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now)

    objects = AccountManager()  # type: ignore[misc]  # django-stubs types AbstractUser.objects as a ClassVar
    personal_fields = {"phone": "phone"}  # masked in the audit trail (core.audit.readable_changes)
    # An account is administered where its roles are: see units.scope (scope_members_path).
    scope_members_path = "memberships"

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def password_must_change(self) -> bool:
        """Told to change it (first sign-in, a reset) or it is past its maximum age (accounts.passwords)."""
        from tongxin.accounts.passwords import must_change

        return must_change(self)

    @property
    def may_sign_in(self) -> bool:
        return self.is_active and not self.is_locked


# Defined beside the code that uses them; imported here so that Django finds them with the app's models.
from tongxin.accounts.sessions import SignedInSession  # noqa: E402
from tongxin.accounts.tokens import ApiToken  # noqa: E402

__all__ = ["AccountManager", "ApiToken", "SignedInSession", "User"]
