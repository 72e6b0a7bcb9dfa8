"""The administrative lock and deactivation: a locked or inactive account cannot sign in, keeps no
session and cannot use an API token; the login page says why, but only to someone who knows the
password. (django-axes, the automatic lockout after failed sign-ins, is left to the hardening issue.)"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.units import administration

PASSWORD = "Tongxin#2021"


def login(username: str, password: str = PASSWORD):
    return Client().post(reverse("accounts:login"), {"username": username, "password": password})


def token(username: str, password: str = PASSWORD):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")


@pytest.mark.parametrize(("change", "words"), [("lock", "已被锁定"), ("deactivate", "已停用")])
def test_a_locked_or_inactive_account_cannot_sign_in_and_is_told_why(world, change, words):
    administration.change_state(world.secadmin, world.home_reporter, change, reason="离职交接")
    response = login("nanxian-home-01")
    assert response.status_code == 200 and words in response.content.decode()
    response = token("nanxian-home-01")
    assert response.status_code == 400 and words in str(response.json())


@pytest.mark.parametrize("change", ["lock", "deactivate"])
def test_a_wrong_password_tells_nothing_about_the_lock(world, change):
    administration.change_state(world.secadmin, world.home_reporter, change)
    page = login("nanxian-home-01", "wrong").content.decode()
    assert "锁定" not in page and "停用" not in page and "请输入一个正确的" in page


@pytest.mark.parametrize("change", ["lock", "deactivate"])
def test_an_open_session_ends_and_the_token_stops_working(world, client_for, api_for, change):
    session, api = client_for(world.home_reporter), api_for(world.home_reporter)
    assert api.get("/api/units/").status_code == 200
    administration.change_state(world.secadmin, world.home_reporter, change)
    assert session.get(reverse("home")).status_code == 302
    assert api.get("/api/units/").status_code == 401


def test_a_locked_account_keeps_no_usable_token_even_if_one_is_made(world):
    from tongxin.accounts.tokens import issue_token

    administration.change_state(world.secadmin, world.home_reporter, "lock")
    _token, key = issue_token(world.home_reporter)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/units/")
    assert response.status_code == 401 and "锁定" in response.json()["detail"]


@pytest.mark.parametrize(("change", "undo"), [("lock", "unlock"), ("deactivate", "reactivate")])
def test_unlocking_or_reactivating_lets_the_person_back_in(world, change, undo):
    administration.change_state(world.secadmin, world.home_reporter, change)
    administration.change_state(world.secadmin, world.home_reporter, undo)
    assert login("nanxian-home-01").status_code == 302
    assert token("nanxian-home-01").status_code == 200


def test_the_lock_is_recorded_with_its_reason(world):
    from tongxin.core.models import AuditEvent

    administration.change_state(world.secadmin, world.home_reporter, "lock", reason="手机遗失")
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(world.home_reporter.pk)).latest("id")
    assert event.actor_name == "secadmin" and event.action == "update"
    assert event.changes["is_locked"] == [False, True] and event.changes["locked_reason"] == ["", "手机遗失"]


def test_the_lock_page_and_api_work_end_to_end(world, client_for, api_for):
    page = client_for(world.secadmin).post(reverse("users:state", args=[world.home_reporter.pk]),
                                           {"action": "lock", "reason": "x"})
    assert page.status_code == 302
    world.home_reporter.refresh_from_db()
    assert world.home_reporter.is_locked
    response = api_for(world.secadmin).post(reverse("account-unlock", args=[world.home_reporter.pk]))
    assert response.status_code == 200 and response.json()["is_locked"] is False
