"""Sign-in, sign-out and failed sign-in go on the audit trail; a web sign-in is noted as a signed-in
session (accounts.sessions), removed at sign-out."""

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from tongxin.accounts import sessions
from tongxin.core import audit


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    audit.record(audit.Action.LOGIN, actor=user, object_repr=user.get_username())
    if request is not None:
        sessions.record_sign_in(request, user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(audit.Action.LOGOUT, actor=user, object_repr=user.get_username())
    session = getattr(request, "session", None)
    if session is not None:
        sessions.forget(session.session_key)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    if getattr(settings, "AXES_ENABLED", True):
        return  # accounts.lockout.LockoutHandler records it, except attempts refused during a lockout
    username = str(credentials.get("username", ""))[:150]
    audit.record(audit.Action.LOGIN_FAILED, actor_name=username, object_repr=username)
