"""Scope rows of one's own sessions and API tokens (accounts.session_views, accounts.api_tokens) and of
the security administrator's view of an account's tokens (units.api.accounts)."""

from tests.scope.matrix import SIGNED_IN, row


def objects(world, objs):
    """A second signed-in session and a live token of 南县福利院's reporter."""
    from importlib import import_module

    from django.conf import settings

    from tongxin.accounts.sessions import SignedInSession
    from tongxin.accounts.tokens import issue_token

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.create()
    session = SignedInSession.objects.create(user=world.home_reporter, session_key=store.session_key,
                                             ip="127.0.0.2", user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0")
    token, _key = issue_token(world.home_reporter, name="reporter's script")
    return {"session": session, "token": token}


ROWS = [
    row("accounts:sessions", ok=SIGNED_IN, hidden="127.0.0.2", sees={"home_reporter"}),
    row("accounts:end-session", "post", args=["session"], ok={"home_reporter"}),
    row("accounts:end-other-sessions", "post", ok=SIGNED_IN),
    row("accounts:revoke-token", "post", args=["token"], ok={"home_reporter"}),
    row("api-tokens", ok=SIGNED_IN, hidden="reporter's script", sees={"home_reporter"}),
    row("api-token-revoke", "delete", args=["token"], ok={"home_reporter"}, ok_status=204),
    row("api-logout", "post", ok=SIGNED_IN),
    row("account-tokens", args=["account"], ok={"secadmin"}, other=403, hidden="reporter's script",
        sees={"secadmin", "home_reporter"}),
    row("account-revoke-token", "delete", args=["account", "token"], ok={"secadmin"}, ok_status=204, other=403),
]
