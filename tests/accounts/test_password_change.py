"""Changing one's own password, and having to: at first sign-in of an account an administrator
created, and after an administrator's reset. The demo's (system-made) accounts are never forced."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.accounts.models import User
from tongxin.accounts.services import create_user
from tongxin.core.models import AuditEvent
from tongxin.units import administration

PASSWORD = "Tongxin#2021"
NEW = "Dongting-Lake-77"


@pytest.fixture
def newcomer(world):
    """An account the province's security administrator created: a temporary password, to be changed."""
    new = administration.create_account(world.secadmin, username="nanxian-home-03", full_name="谢芳",
                                        unit=world.nanxian_home_2, role="reporter")
    return new


def signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def token_for(username: str, password: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_the_demos_accounts_need_not_change_their_password(world):
    assert not User.objects.filter(must_change_password=True).exists()
    client = signed_in("nanxian", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_an_account_made_by_a_person_must_change_but_one_made_by_the_system_need_not(world):
    assert create_user(world.secadmin, username="a-person-made", password="x" * 12, check_password=False
                       ).must_change_password
    assert not create_user(None, username="system-made", password="x" * 12, check_password=False
                           ).must_change_password


def test_at_first_sign_in_every_page_leads_to_the_password_page(world, newcomer):
    client = signed_in("nanxian-home-03", newcomer.password)
    for url in (reverse("home"), reverse("units:list"), reverse("reports:today"), reverse("notifications:list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("accounts:password"), url
    page = client.get(reverse("accounts:password")).content.decode()
    assert "首次登录" in page


def test_the_api_answers_403_in_words_until_the_password_is_changed(world, newcomer):
    client = token_for("nanxian-home-03", newcomer.password)
    response = client.get("/api/units/")
    assert response.status_code == 403
    assert "修改密码" in response.json()["detail"]


def test_signing_out_still_works_before_the_change(world, newcomer):
    client = signed_in("nanxian-home-03", newcomer.password)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and reverse("accounts:password") not in response["Location"]


def test_after_changing_the_password_the_person_works_normally(world, newcomer):
    client = signed_in("nanxian-home-03", newcomer.password)
    response = client.post(reverse("accounts:password"), {
        "old_password": newcomer.password, "new_password": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # the same session stays signed in
    user = User.objects.get(username="nanxian-home-03")
    assert not user.must_change_password and user.check_password(NEW)
    assert token_for("nanxian-home-03", NEW).get("/api/units/").status_code == 200


def test_the_api_changes_the_password_and_hands_back_a_new_token(world, newcomer):
    client = token_for("nanxian-home-03", newcomer.password)
    response = client.post("/api/auth/password/", {"old_password": newcomer.password, "new_password": NEW},
                           format="json")
    assert response.status_code == 200
    assert client.get("/api/units/").status_code == 401  # the old token is gone
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/units/").status_code == 200


@pytest.mark.parametrize(("new", "again", "field", "words"), [
    ("12345678", "12345678", "new_password", "密码"),         # short, common, all digits
    ("password123", "password123", "new_password", "常见"),
    ("nanxian-home-03", "nanxian-home-03", "new_password", "相似"),  # like the username
    (NEW, NEW + "x", "new_password2", "不一致"),
])
def test_a_weak_or_mistyped_new_password_is_refused_with_words(world, newcomer, new, again, field, words):
    client = signed_in("nanxian-home-03", newcomer.password)
    response = client.post(reverse("accounts:password"), {
        "old_password": newcomer.password, "new_password": new, "new_password2": again})
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    user = User.objects.get(username="nanxian-home-03")
    assert user.must_change_password and user.check_password(newcomer.password)


def test_a_wrong_old_password_is_refused(world, client_for):
    response = client_for(world.nanxian).post(reverse("accounts:password"), {
        "old_password": "wrong", "new_password": NEW, "new_password2": NEW})
    assert response.status_code == 400 and "原密码不正确" in response.content.decode()
    world.nanxian.refresh_from_db()
    assert world.nanxian.check_password(PASSWORD)


def test_the_api_names_the_field_of_a_weak_password(world, api_for):
    response = api_for(world.nanxian).post("/api/auth/password/", {"old_password": PASSWORD,
                                                                   "new_password": "123"}, format="json")
    assert response.status_code == 400 and "new_password" in response.json()


def test_after_a_reset_the_person_must_change_again_and_old_sessions_end(world, client_for):
    old_session = client_for(world.home_reporter)
    temporary = administration.reset_password(world.secadmin, world.home_reporter)
    assert old_session.get(reverse("home")).status_code == 302  # signed out by the reset
    assert Client().post(reverse("accounts:login"), {"username": "nanxian-home-01", "password": PASSWORD}
                         ).status_code == 200  # the old password no longer works
    client = signed_in("nanxian-home-01", temporary)
    assert client.get(reverse("home"))["Location"] == reverse("accounts:password")


def test_a_password_change_is_audited_without_any_hash(world, newcomer):
    client = signed_in("nanxian-home-03", newcomer.password)
    client.post(reverse("accounts:password"), {"old_password": newcomer.password, "new_password": NEW,
                                               "new_password2": NEW})
    user = User.objects.get(username="nanxian-home-03")
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk), action="update",
                                      actor_name="nanxian-home-03").get()
    assert event.changes["must_change_password"] == [True, False]
    assert event.changes["password"][0] == "******"
    every = " ".join(str(e.changes) for e in AuditEvent.objects.all())
    assert user.password not in every and "md5$" not in every and NEW not in every
    assert newcomer.password not in every
