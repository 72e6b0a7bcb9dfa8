"""API tokens (accounts.tokens): a new key at every sign-in, kept only as a hash, expiring, revoked at
sign-out, password change, reset, lock and deactivation; listed and revoked by their owner and by the
security administrator of the account."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tongxin.accounts import tokens
from tongxin.accounts.tokens import ApiToken, issue_token
from tongxin.core.models import AuditEvent
from tongxin.units import administration

PASSWORD = "Tongxin#2021"
NEW = "Fresh#Passw0rd-2026"


def sign_in(username: str = "nanxian", password: str = PASSWORD, **extra) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password, **extra},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_every_sign_in_issues_a_new_key_kept_only_as_its_hash(world):
    first, second = sign_in(), sign_in(name="夜间脚本")
    assert first["token"] != second["token"] and first["token_id"] != second["token_id"]
    assert second["name"] == "夜间脚本" and second["prefix"] == second["token"][:8]
    for body in (first, second):
        stored = ApiToken.objects.get(pk=body["token_id"])
        assert stored.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
        values = [str(getattr(stored, f.attname)) for f in ApiToken._meta.concrete_fields]
        assert body["token"] not in values  # the key itself is stored nowhere
        assert client_with(body["token"]).get("/api/units/").status_code == 200


def test_a_token_expires_after_the_configured_days(world, settings):
    settings.TONGXIN_TOKEN_DAYS = 7
    body = sign_in()
    expires = dt.datetime.fromisoformat(body["expires"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=6, hours=23), tick=False):
        assert client_with(body["token"]).get("/api/units/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1), tick=False):
        response = client_with(body["token"]).get("/api/units/")
        assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_the_default_lifetime_is_thirty_days(world):
    assert settings.TONGXIN_TOKEN_DAYS == 30
    token, _key = issue_token(world.nanxian)
    assert token.expires - token.created == dt.timedelta(days=30)


def test_unknown_and_revoked_tokens_are_refused_in_words(world):
    token, key = issue_token(world.nanxian)
    assert client_with("x" * 43).get("/api/units/").status_code == 401
    tokens.revoke(world.nanxian, token)
    response = client_with(key).get("/api/units/")
    assert response.status_code == 401 and "撤销" in response.json()["detail"]


def test_last_used_is_written_at_most_once_a_minute(world):
    token, key = issue_token(world.nanxian)
    client = client_with(key)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/units/")
    token.refresh_from_db()
    assert token.last_used == start
    with time_machine.travel(start + dt.timedelta(seconds=50), tick=False):
        client.get("/api/units/")
    token.refresh_from_db()
    assert token.last_used == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        client.get("/api/units/")
    token.refresh_from_db()
    assert token.last_used == start + dt.timedelta(seconds=61)


def test_logout_revokes_the_token_used_and_only_that_one(world):
    used, other = sign_in(), sign_in()
    client = client_with(used["token"])
    response = client.post(reverse("api-logout"))
    assert response.status_code == 200
    assert client.get("/api/units/").status_code == 401
    assert client_with(other["token"]).get("/api/units/").status_code == 200


def test_owners_list_and_revoke_their_own_tokens_only(world, api_for):
    mine, _key = issue_token(world.nanxian, name="我的脚本")
    theirs, their_key = issue_token(world.cili, name="别人的脚本")
    client = api_for(world.nanxian)
    listed = client.get(reverse("api-tokens")).json()
    assert "我的脚本" in {t["name"] for t in listed} and "别人的脚本" not in {t["name"] for t in listed}
    assert all("token" not in t and "key_hash" not in t for t in listed)
    assert client.delete(reverse("api-token-revoke", args=[theirs.pk])).status_code == 404
    assert client_with(their_key).get("/api/units/").status_code == 200
    assert client.delete(reverse("api-token-revoke", args=[mine.pk])).status_code == 204
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(world.nanxian.pk)).latest("pk")
    assert mine.prefix in event.changes["api_tokens"]


def test_the_security_administrator_lists_and_revokes_an_accounts_tokens(world, api_for):
    token, key = issue_token(world.home_reporter, name="填报脚本")
    admin = api_for(world.secadmin)
    url = reverse("account-tokens", args=[world.home_reporter.pk])
    assert [t["name"] for t in admin.get(url).json()] == ["填报脚本"]
    assert api_for(world.nanxian).get(url).status_code == 403
    assert admin.delete(reverse("account-revoke-token", args=[world.home_reporter.pk, token.pk])).status_code == 204
    assert client_with(key).get("/api/units/").status_code == 401
    other, _k = issue_token(world.cili)
    response = admin.delete(reverse("account-revoke-token", args=[world.home_reporter.pk, other.pk]))
    assert response.status_code == 404  # a token of another account, named through this one


def test_changing_the_password_revokes_every_token_and_hands_back_one_new(world):
    old, other = sign_in("nanxian-home-01"), sign_in("nanxian-home-01")
    response = client_with(old["token"]).post(reverse("api-password"),
                                              {"old_password": PASSWORD, "new_password": NEW}, format="json")
    assert response.status_code == 200
    for key in (old["token"], other["token"]):
        assert client_with(key).get("/api/units/").status_code == 401
    assert client_with(response.json()["token"]).get("/api/units/").status_code == 200
    assert response.json()["expires"]


@pytest.mark.parametrize(("change", "undo"), [("lock", "unlock"), ("deactivate", "reactivate"), ("reset", None)])
def test_lock_deactivation_and_reset_revoke_tokens_for_good(world, change, undo):
    _token, key = issue_token(world.home_reporter)
    if change == "reset":
        administration.reset_password(world.secadmin, world.home_reporter)
    else:
        administration.change_state(world.secadmin, world.home_reporter, change)
        administration.change_state(world.secadmin, world.home_reporter, undo)
    # Unlocked or reactivated again, the old token still does not work: it was revoked, not just refused.
    response = client_with(key).get("/api/units/")
    assert response.status_code == 401 and "撤销" in response.json()["detail"]


def test_the_sessions_page_lists_and_revokes_own_tokens(world, client_for):
    token, key = issue_token(world.nanxian, name="报表同步")
    page = client_for(world.nanxian)
    html = page.get(reverse("accounts:sessions")).content.decode()
    assert "报表同步" in html and token.prefix in html and key not in html
    assert page.post(reverse("accounts:revoke-token", args=[token.pk])).status_code == 302
    assert client_with(key).get("/api/units/").status_code == 401
    theirs, _k = issue_token(world.cili)
    assert page.post(reverse("accounts:revoke-token", args=[theirs.pk])).status_code == 404


def test_drfs_plain_text_token_table_is_gone(db):
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert "authtoken_token" not in connection.introspection.table_names()


def test_the_schema_describes_the_token_endpoints(world, client_for):
    text = client_for(world.nanxian).get("/api/schema/").content.decode()
    for path in ("/api/auth/token/", "/api/auth/tokens/", "/api/auth/tokens/{id}/", "/api/auth/logout/",
                 "/api/accounts/{id}/tokens/"):
        assert f"  {path}:" in text, path
    assert "expires" in text and "token_id" in text
