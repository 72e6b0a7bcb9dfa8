"""Sign-in lockout (django-axes, accounts.lockout): 5 wrong passwords lock the account for 15
minutes on the page and the API alike, 20 failures throttle an address, a lockout is audited once,
and the security administrator sees and lifts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tongxin.core.models import AuditEvent

RIGHT = "Tongxin#2021"
LOGIN = "/accounts/login/"
TOKEN = "/api/auth/token/"
LOCKED = "账号已锁定，请 15 分钟后再试或联系安全管理员"


def web(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def api(username, password, ip="10.1.1.1"):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def audited(action, username="nanxian"):
    return AuditEvent.objects.filter(action=action, actor_name=username).count()


def test_four_wrong_passwords_do_not_lock(world, client):
    for _i in range(4):
        assert web(client, "nanxian", "wrong").status_code == 200
    assert web(client, "nanxian", RIGHT).status_code == 302


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(world, client):
    for _i in range(5):
        response = web(client, "nanxian", "wrong")
    assert response.status_code == 429 and LOCKED in response.content.decode()  # the fifth says so
    response = web(client, "nanxian", RIGHT)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    # from another address too: it is the account that is locked
    assert web(client, "nanxian", RIGHT, ip="10.9.9.9").status_code == 429
    assert api("nanxian", RIGHT, ip="10.9.9.9").status_code == 429
    # another account is not
    assert web(client, "hunan", RIGHT).status_code == 302


def test_the_lockout_ends_after_15_minutes(world, client):
    for _i in range(5):
        web(client, "nanxian", "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert web(client, "nanxian", RIGHT).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert web(client, "nanxian", RIGHT).status_code == 302


def test_a_success_resets_the_count(world, client):
    for _i in range(4):
        web(client, "nanxian", "wrong")
    assert web(client, "nanxian", RIGHT).status_code == 302
    client.post(reverse("accounts:logout"))
    for _i in range(4):
        assert web(client, "nanxian", "wrong").status_code == 200
    assert web(client, "nanxian", RIGHT).status_code == 302


def test_the_api_token_endpoint_locks_too_and_answers_429_in_json(world):
    for _i in range(4):
        assert api("nanxian", "wrong").status_code == 400
    response = api("nanxian", "wrong")
    assert response.status_code == 429
    response = api("nanxian", RIGHT)
    assert response.status_code == 429 and response.json()["detail"] == LOCKED
    assert response.json()["code"] == "locked_out" and response["Retry-After"] == "900"
    assert "token" not in response.json()


def test_page_and_api_failures_count_together(world, client):
    for _i in range(3):
        web(client, "nanxian", "wrong")
    for _i in range(2):
        api("nanxian", "wrong")
    assert web(client, "nanxian", RIGHT).status_code == 429


def test_an_address_is_throttled_after_20_failures_whatever_the_usernames(world, client):
    for i in range(20):
        web(client, f"guess{i % 5}", "wrong", ip="10.6.6.6")  # four per name: no account locks
    assert web(client, "nanxian", RIGHT, ip="10.6.6.6").status_code == 429
    assert api("hunan", RIGHT, ip="10.6.6.6").status_code == 429
    assert web(client, "nanxian", RIGHT, ip="10.7.7.7").status_code == 302  # elsewhere, the account works


def test_a_lockout_is_audited_once_and_refused_attempts_not_at_all(world, client):
    for _i in range(5):
        web(client, "nanxian", "wrong")
    assert audited(AuditEvent.Action.LOGIN_FAILED) == 5
    assert audited(AuditEvent.Action.LOCKOUT) == 1
    for _i in range(10):
        web(client, "nanxian", "wrong")
        api("nanxian", RIGHT)
    assert audited(AuditEvent.Action.LOGIN_FAILED) == 5
    assert audited(AuditEvent.Action.LOCKOUT) == 1


def _lock(client, username="nanxian"):
    for _i in range(5):
        web(client, username, "wrong")


def test_the_security_administrator_sees_and_lifts_a_lockout_on_the_page(world, client, client_for):
    _lock(client)
    admin = client_for(world.secadmin)
    html = admin.get(reverse("users:lockouts")).content.decode()
    assert "nanxian" in html and f"account-{world.nanxian.pk}" in html
    response = admin.post(reverse("users:lockout_lift"), {"lockout": f"account-{world.nanxian.pk}"})
    assert response.status_code == 302
    assert f"account-{world.nanxian.pk}" not in admin.get(reverse("users:lockouts")).content.decode()
    assert web(client, "nanxian", RIGHT).status_code == 302
    lifted = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, actor_name="secadmin",
                                       object_id=str(world.nanxian.pk)).last()
    assert lifted is not None and "lockout" in lifted.changes


def test_the_lockouts_api_lists_and_deletes(world, client, api_for):
    _lock(client)
    for i in range(20):
        web(client, f"guess{i % 5}", "wrong", ip="10.6.6.6")
    admin = api_for(world.secadmin)
    listed = {item["id"]: item for item in admin.get("/api/lockouts/").json()}
    assert listed[f"account-{world.nanxian.pk}"]["failures"] == 5
    assert "ip-10.6.6.6" in listed
    assert admin.delete(f"/api/lockouts/account-{world.nanxian.pk}/").status_code == 204
    assert admin.delete("/api/lockouts/ip-10.6.6.6/").status_code == 204
    assert admin.get("/api/lockouts/").json() == []
    assert api("nanxian", RIGHT).status_code == 200
    assert api("hunan", RIGHT, ip="10.6.6.6").status_code == 200


@pytest.mark.parametrize("persona", ["nanxian", "sysadmin", "auditor"])
def test_only_the_security_administrator_sees_lockouts(world, client, api_for, client_for, persona):
    _lock(client, "cili")
    user = getattr(world, persona)
    assert api_for(user).get("/api/lockouts/").status_code == 403
    assert api_for(user).delete(f"/api/lockouts/account-{world.cili.pk}/").status_code == 403
    lift = {"lockout": f"account-{world.cili.pk}"}
    assert client_for(user).post(reverse("users:lockout_lift"), lift).status_code == 403
    assert client_for(user).get(reverse("users:lockouts")).status_code == 403
    assert web(client, "cili", RIGHT).status_code == 429  # still locked


def test_lifting_an_unknown_lockout_is_a_404(world, api_for):
    admin = api_for(world.secadmin)
    for bad in ("account-999999", "ip-not-an-address", "nonsense", "account-x"):
        assert admin.delete(f"/api/lockouts/{bad}/").status_code == 404
