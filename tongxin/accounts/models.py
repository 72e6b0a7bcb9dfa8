"""Users. Authentication only: what a user may see and do lives with units (memberships, roles).

Two flags of an account's own state live here, because they decide whether the person may sign in
at all and what they must do first:

- `must_change_password`: set when an administrator creates the account or resets its password;
  until the person chooses their own password, every page sends them to the change page and the
  API answers 403 (`accounts.middleware`, `accounts.authentication`).
- `is_locked` (with `locked_reason`): an administrative lock. A locked account, like an inactive
  one (`is_active` False), cannot sign in, keeps no session and cannot use an API token
  (`accounts.backends.AccountBackend`).
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
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

    objects = AccountManager()  # type: ignore[misc]  # django-stubs types AbstractUser.objects as a ClassVar
    personal_fields = {"phone": "phone"}  # masked in the audit trail (core.audit.readable_changes)
    # An account is administered where its roles are: see units.scope (scope_members_path).
    scope_members_path = "memberships"

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def may_sign_in(self) -> bool:
        return self.is_active and not self.is_locked


# Defined beside the code that uses them; imported here so that Django finds them with the app's models.
from tongxin.accounts.sessions import SignedInSession  # noqa: E402
from tongxin.accounts.tokens import ApiToken  # noqa: E402

__all__ = ["AccountManager", "ApiToken", "SignedInSession", "User"]
