"""Sign-in, sign-out and failed sign-in go on the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tongxin.core import audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(audit.Action.LOGIN, actor=user, object_repr=user.get_username())


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Action.LOGOUT, actor=user, object_repr=user.get_username())


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(audit.Action.LOGIN_FAILED, actor_name=username, object_repr=username)
