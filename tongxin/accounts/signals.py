"""Sign-in, sign-out and failed sign-in go on the audit trail."""

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from tongxin.core import audit


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    audit.record(audit.Action.LOGIN, actor=user, object_repr=user.get_username())


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(audit.Action.LOGOUT, actor=user, object_repr=user.get_username())


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    if getattr(settings, "AXES_ENABLED", True):
        return  # accounts.lockout.LockoutHandler records it, except attempts refused during a lockout
    username = str(credentials.get("username", ""))[:150]
    audit.record(audit.Action.LOGIN_FAILED, actor_name=username, object_repr=username)
