"""Account writes: creating users, passwords, the administrative lock and deactivation, each audited.

These services guarantee what an account is (a valid username, a password that passes the
password policy, a hash never written to the audit trail) and that every change is recorded with
its before and after. They decide nothing about *who* may do it to *whom*: accounts knows no units
or roles. Who may administer which account is decided in `units.administration`, which checks the
actor and then calls these; the demo builder and management commands call them as the system
(actor None).

An account created by a person (an administrator) must change its password at first sign-in; one
created by the system (the demo, a command) need not, unless told. A reset always sets the flag.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.accounts import sessions, tokens
from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.validators import normalize_phone

# In the audit trail a password is only ever shown as this: never a hash, never the text.
HIDDEN = "******"
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": [_("请填写用户名")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("用户名“%(name)s”已被使用") % {"name": username[:150]}]})
    return username


def _check_password(password: str, user: User, field: str = "password") -> None:
    """The password policy's verdict, under `field`; "too short" in our own words (Django's Chinese
    catalogue lacks its current wording)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages = [_("密码太短，至少需要 %(n)s 个字符") % {"n": (e.params or {}).get("min_length", 10)}
                    if e.code == "password_too_short" else str(e.messages[0]) for e in exc.error_list]
        raise ValidationError({field: messages}) from None


@transaction.atomic
def create_user(actor: User | None, *, username: str, password: str, full_name: str = "",
                phone: str = "", check_password: bool = True, must_change_password: bool | None = None) -> User:
    """Create an active user with a hashed password; refuses a taken username (in any letter case)
    and, unless told not to check, a weak password. It must change its password at first sign-in
    when a person created it (default), not when the system did (the demo's logins stay usable)."""
    username = _clean_username(username)
    if must_change_password is None:
        must_change_password = actor is not None
    phone = (phone or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    user = User(username=username, full_name=(full_name or "").strip(), phone=phone,
                must_change_password=must_change_password)
    if check_password:
        _check_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record_change(actor, user, None)
    return user


def temporary_password(length: int | None = None) -> str:
    """A random password with upper and lower letters and digits, no look-alike characters, as long
    as the system setting `accounts.temporary_password_length` says (unless told)."""
    if length is None:
        from tongxin.core import system_settings

        length = int(system_settings.get("accounts.temporary_password_length"))
    while True:
        value = "".join(secrets.choice(_ALPHABET) for _i in range(length))
        if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def _password_event(actor: Any, user: User, before: dict[str, Any], what: str, **extra: Any) -> None:
    changes = audit.diff(before, audit.snapshot(user))
    changes["password"] = [HIDDEN, what]
    changes.update(extra)
    audit.record(audit.Action.UPDATE, actor=actor, obj=user, changes=changes)


@transaction.atomic
def change_password(user: User, *, old_password: str, new_password: str, keep_session: str | None = None) -> User:
    """The person changes their own password: the old one must match and the new one pass the policy
    and differ from the old. Clears the must-change flag; the account's other sessions end (all but
    `keep_session`, the one it was changed in) and every API token of the account is revoked."""
    locked: User = User.objects.select_for_update().get(pk=user.pk)
    errors: dict[str, list[str]] = {}
    if not locked.check_password(old_password or ""):
        errors["old_password"] = [_("原密码不正确")]
    elif old_password == new_password:
        errors["new_password"] = [_("新密码不能与原密码相同")]
    if errors:
        raise ValidationError(errors)
    _check_password(new_password or "", locked, "new_password")
    before = audit.snapshot(locked)
    locked.set_password(new_password)
    locked.must_change_password = False
    locked.save(update_fields=["password", "must_change_password", "password_changed_at"])
    _password_event(locked, locked, before, _("本人修改"))
    tokens.revoke_all(locked, locked, why=_("修改密码"))
    sessions.end_sessions(locked, locked, why=_("修改密码"), keep=keep_session)
    user.password, user.must_change_password = locked.password, False
    user.password_changed_at = locked.password_changed_at
    return locked


@transaction.atomic
def reset_password(actor: Any, user: User, *, password: str | None = None) -> str:
    """Give the account a temporary password (`password`, checked against the policy, or a random
    one) and return it, to be shown once. The person must change it at next sign-in; their open
    sessions end and their API tokens are revoked."""
    locked: User = User.objects.select_for_update().get(pk=user.pk)
    if password:
        _check_password(password, locked)
    else:
        password = temporary_password()
    before = audit.snapshot(locked)
    locked.set_password(password)
    locked.must_change_password = True
    locked.save(update_fields=["password", "must_change_password", "password_changed_at"])
    _password_event(actor, locked, before, _("管理员重置"))
    tokens.revoke_all(actor, locked, why=_("管理员重置密码"))
    sessions.end_sessions(actor, locked, why=_("管理员重置密码"))
    return password


def _set_state(actor: Any, user: User, **values: Any) -> User:
    locked: User = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(locked)
    for key, value in values.items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.save(update_fields=list(values))
    audit.record_change(actor, locked, before)
    if not locked.may_sign_in:
        why = _("账号已锁定") if locked.is_locked else _("账号已停用")
        tokens.revoke_all(actor, locked, why=why)
        sessions.end_sessions(actor, locked, why=why)
    return locked


@transaction.atomic
def lock(actor: Any, user: User, *, reason: str = "") -> User:
    """Lock the account: it cannot sign in or use a token until unlocked; its tokens are revoked and
    its sessions ended."""
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": [_("锁定原因不能超过 200 个字")]})
    return _set_state(actor, user, is_locked=True, locked_reason=reason)


@transaction.atomic
def unlock(actor: Any, user: User) -> User:
    """Lift the administrative lock."""
    return _set_state(actor, user, is_locked=False, locked_reason="")


@transaction.atomic
def deactivate(actor: Any, user: User) -> User:
    """Deactivate the account (kept, never deleted): it cannot sign in or use a token."""
    return _set_state(actor, user, is_active=False)


@transaction.atomic
def reactivate(actor: Any, user: User) -> User:
    """Make a deactivated account active again."""
    return _set_state(actor, user, is_active=True)
