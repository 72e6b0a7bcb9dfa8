"""Account administration by the security administrator (安全管理员): who may do what to which account.

Authentication lives in `accounts` (the account, its password, its lock); authorisation lives here,
with the units the roles are at. Every function checks the actor and then calls the account or role
service, in one transaction, audited there. The policy (DESIGN.md §1, "three separate roles"):

- Only a security administrator administers accounts: creates them, grants and revokes roles,
  resets passwords, locks, unlocks, deactivates and reactivates. The system administrator keeps the
  registry and the settings and manages no roles; the auditor reads the trail and manages nothing.
- A security administrator administers the accounts of their bureau's subtree: an account whose
  roles all lie at units there (`User.objects.restrict(actor, ACCOUNTS)`); a province-level one also
  those left with no role. Anything else is a 404, as if it did not exist.
- Nobody acts on their own account here (their own password is changed on the password page) and
  nobody grants or revokes their own role.
- The three administrator roles are held by three different accounts, and an administrator account
  holds no business role (`units.services.grant_role`).
- Sign-in lockouts (django-axes, `accounts.lockout`) of the accounts they administer are seen and
  lifted by the same administrator; address throttles by a province-wide one (`lockouts`, `lift_lockout`).
- A new account and a reset password are temporary: shown once to the administrator, to be changed
  by the person at their next sign-in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.accounts import lockout
from tongxin.accounts import services as accounts
from tongxin.accounts.models import User
from tongxin.core.types import Actor
from tongxin.units import scope, services
from tongxin.units.models import Membership, Role, Unit


def is_account_admin(actor: Actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and scope.has_role(
        actor, Role.SECURITY_ADMIN)


def require_account_admin(actor: Actor) -> None:
    """403 for anyone who is not a security administrator."""
    if not is_account_admin(actor):
        raise PermissionDenied(_("只有安全管理员可以管理账号"))


def administered(actor: Actor) -> Any:
    """The accounts `actor` administers (empty for anyone but a security administrator)."""
    return User.objects.restrict(actor, scope.ACCOUNTS)


def _require_other(actor: Actor, user: User) -> None:
    require_account_admin(actor)
    if getattr(actor, "pk", None) == user.pk:
        raise PermissionDenied(_("不能对自己的账号执行此操作；修改本人密码请使用“修改密码”"))
    if not administered(actor).filter(pk=user.pk).exists():
        raise Http404(_("找不到该记录，或您无权查看"))


@dataclass(frozen=True)
class NewAccount:
    user: User
    membership: Membership
    password: str  # temporary: shown once


@transaction.atomic
def create_account(actor: Actor, *, username: str, unit: Unit, role: str, full_name: str = "", phone: str = "",
                   password: str = "") -> NewAccount:
    """A new account with its first role at `unit` (of the actor's subtree) and a temporary password
    (`password`, checked against the policy, or a random one), which must be changed at first sign-in."""
    require_account_admin(actor)
    if not scope.scope_of(actor).covers(unit, mode=scope.ACCOUNTS):
        raise Http404(_("找不到该记录，或您无权查看"))
    temporary = password or accounts.temporary_password()
    user = accounts.create_user(actor, username=username, password=temporary,  # type: ignore[arg-type]
                                full_name=full_name, phone=phone, must_change_password=True)
    membership = services.grant_role(actor, user, unit, role)
    return NewAccount(user, membership, temporary)


def grant(actor: Actor, user: User, unit: Unit, role: str) -> Membership:
    """Grant a role (see `units.services.grant_role` for what is refused)."""
    require_account_admin(actor)
    return services.grant_role(actor, user, unit, role)


def revoke(actor: Actor, membership: Membership) -> None:
    require_account_admin(actor)
    services.revoke_role(actor, membership)


def reset_password(actor: Actor, user: User, *, password: str = "") -> str:
    """A temporary password for another account of the actor's subtree, returned to be shown once."""
    _require_other(actor, user)
    return accounts.reset_password(actor, user, password=password or None)


def account_tokens(actor: Actor, user: User) -> Any:
    """The API tokens that still work of another account of the actor's subtree."""
    from tongxin.accounts import tokens

    _require_other(actor, user)
    return tokens.live_tokens(user)


@transaction.atomic
def revoke_token(actor: Actor, user: User, token_id: int) -> None:
    """Revoke one live API token of another account of the actor's subtree (404 for any other token)."""
    from tongxin.accounts import tokens

    token = account_tokens(actor, user).filter(pk=token_id).first()
    if token is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    tokens.revoke(actor, token, why=_("安全管理员撤销"))


STATE_CHANGES = ("lock", "unlock", "deactivate", "reactivate")


def change_state(actor: Actor, user: User, action: str, *, reason: str = "") -> User:
    """Lock, unlock, deactivate or reactivate another account of the actor's subtree."""
    _require_other(actor, user)
    if action == "lock":
        return accounts.lock(actor, user, reason=reason)
    if action == "unlock":
        return accounts.unlock(actor, user)
    if action == "deactivate":
        return accounts.deactivate(actor, user)
    if action == "reactivate":
        return accounts.reactivate(actor, user)
    raise ValidationError({"action": [_("未知的操作")]})


def account_list(actor: Actor, *, q: str = "", region_code: str = "", unit: Unit | None = None, role: str = "",
                 status: str = "") -> Any:
    """The accounts the actor administers, filtered: name or username (`q`), a role at a unit inside
    a region (`region_code`, a code the actor reaches), at `unit`, of `role`, in a `status`
    (active, locked, inactive, must_change); each with its roles at hand, newest first."""
    from django.db.models import Prefetch, Q

    from tongxin.regions.queries import in_subtree

    qs = administered(actor)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    held = Membership.objects.all()
    narrowed = False
    if region_code:
        region = scope.resolve_region(actor, region_code, mode=scope.ACCOUNTS)
        held, narrowed = held.filter(in_subtree("unit__region_id", region.prefix)), True
    if unit is not None:
        held, narrowed = held.filter(unit=unit), True
    if role:
        held, narrowed = held.filter(role=role), True
    if narrowed:
        qs = qs.filter(pk__in=held.values("user_id"))
    if status == "active":
        qs = qs.filter(is_active=True, is_locked=False)
    elif status == "locked":
        qs = qs.filter(is_locked=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    elif status == "must_change":
        qs = qs.filter(must_change_password=True)
    roles = Membership.objects.select_related("unit__region").order_by("unit__region_id", "unit__name", "role")
    return qs.prefetch_related(Prefetch("memberships", queryset=roles)).order_by("-date_joined", "-pk")


# Sign-in lockouts (accounts.lockout): the security administrator sees and lifts those of the
# accounts they administer; address throttles (no account, no region) only a province-wide one.

def province_wide(actor: Actor) -> bool:
    return is_account_admin(actor) and any(len(p) <= 2 for p in scope.scope_of(actor).prefixes.get(scope.ACCOUNTS, ()))


@dataclass(frozen=True)
class ShownLockout:
    id: str  # "account-<user id>" or "ip-<address>": what `lift_lockout` takes
    lock: lockout.Lockout
    account: User | None


def lockouts(actor: Actor) -> list[ShownLockout]:
    """The lockouts now in force that `actor` may see, most recent first."""
    require_account_admin(actor)
    locks = lockout.current("account")
    accounts_by_name = {u.username: u for u in administered(actor).filter(username__in=[lock.key for lock in locks])}
    shown = [ShownLockout(f"account-{accounts_by_name[lock.key].pk}", lock, accounts_by_name[lock.key])
             for lock in locks if lock.key in accounts_by_name]
    if province_wide(actor):
        shown += [ShownLockout(f"ip-{lock.key}", lock, None) for lock in lockout.current("address")]
    return shown


@transaction.atomic
def lift_lockout(actor: Actor, lockout_id: str) -> str:
    """End a lockout now ("account-<id>" of an account the actor administers, or "ip-<address>" for a
    province-wide administrator); audited. Lifting one that has already ended does no harm."""
    from tongxin.core import audit

    require_account_admin(actor)
    kind, _sep, key = (lockout_id or "").partition("-")
    if kind == "account" and key.isdigit():
        user = administered(actor).filter(pk=int(key)).first()
        if user is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        removed = lockout.lift("account", user.username)
        audit.record(audit.Action.UPDATE, actor=actor, obj=user,
                     changes={"lockout": [_("登录锁定"), _("已解除")], "failures_cleared": [removed, 0]})
        return user.username
    if kind == "ip" and key and province_wide(actor):
        try:
            address = str(ipaddress.ip_address(key))
        except ValueError:
            raise Http404(_("找不到该记录，或您无权查看")) from None
        removed = lockout.lift("address", address)
        audit.record(audit.Action.UPDATE, actor=actor, object_repr=address,
                     changes={"lockout": [_("登录锁定"), _("已解除")], "failures_cleared": [removed, 0]})
        return address
    raise Http404(_("找不到该记录，或您无权查看"))
