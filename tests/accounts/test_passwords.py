"""The password policy (accounts.passwords): composition by default, the maximum age through the
forced-change flow, and both as settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tongxin.accounts import services
from tongxin.accounts.models import User
from tongxin.accounts.passwords import classes_in
from tongxin.demo import story

RIGHT = "Tongxin#2021"


def refused(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize("password", ["abcdefgh12", "ABCDEFGH12", "abcdEFGHij", "qwertyuiopas", "Abc#12"])
def test_weak_passwords_are_refused(password):
    assert refused(password)


@pytest.mark.parametrize("password", ["Abcd1234x", "abcd#1234", "ABCD#efgh", "Hx7#kq2L"])
def test_three_classes_of_eight_characters_pass(password):
    assert refused(password) == []


def test_the_demo_and_test_password_passes():
    assert refused(story.PASSWORD) == [] and refused(RIGHT) == []


def test_the_message_names_the_rule():
    assert "至少三类" in " ".join(refused("abcdefgh12"))
    assert "至少需要 8 个字符" in " ".join(refused("Ab#1"))


def test_not_the_username_and_not_a_common_password(db):
    user = User(username="Zhangsan2021")
    assert refused("Zhangsan2021!", user)
    assert refused("Password123")  # in Django's common list, though three classes


@override_settings(TONGXIN_PASSWORD_COMPOSITION=False)
def test_composition_can_be_switched_off():
    assert refused("abcdefghijkq") == []  # one class, 12 characters
    assert refused("abcdefgh1")  # but then at least 10


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30))
@settings(max_examples=50)
def test_composition_verdict_matches_its_rule(password):
    ok = not any("至少三类" in m or "太短" in m for m in refused(password))
    assert ok == (len(password) >= 8 and classes_in(password) >= 3)


def test_temporary_passwords_pass_the_policy(world):
    for _i in range(20):
        assert refused(services.temporary_password(), world.nanxian) == []


def test_a_user_service_refuses_a_weak_password(world):
    with pytest.raises(ValidationError) as exc:
        services.change_password(world.nanxian, old_password=RIGHT, new_password="alllowercase1")
    assert "new_password" in exc.value.message_dict


def _sign_in(client, username="nanxian"):
    return client.post(reverse("accounts:login"), {"username": username, "password": RIGHT})


def test_a_password_older_than_90_days_must_be_changed(world, client):
    with time_machine.travel(timezone.now() + timedelta(days=89), tick=False):
        _sign_in(client)
        assert client.get(reverse("units:list")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        assert _sign_in(client).status_code == 302
        response = client.get(reverse("units:list"))
        assert response.status_code == 302 and response["Location"] == reverse("accounts:password")
        page = client.get(reverse("accounts:password")).content.decode()
        assert "已使用超过 90 天" in page
        api = APIClient()
        token = api.post("/api/auth/token/", {"username": "nanxian", "password": RIGHT}, format="json").json()
        assert token["must_change_password"] is True
        api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
        assert api.get("/api/units/").status_code == 403
        response = client.post(reverse("accounts:password"), {"old_password": RIGHT, "new_password": "Fresh#Start9",
                                                              "new_password2": "Fresh#Start9"})
        assert response.status_code == 302
        assert client.get(reverse("units:list")).status_code == 200


@override_settings(TONGXIN_PASSWORD_MAX_AGE_DAYS=0)
def test_the_maximum_age_can_be_switched_off(world, client):
    with time_machine.travel(timezone.now() + timedelta(days=3650), tick=False):
        _sign_in(client)
        assert client.get(reverse("units:list")).status_code == 200


def test_a_reset_restarts_the_age(world):
    with time_machine.travel(timezone.now() + timedelta(days=100), tick=False):
        services.reset_password(None, world.nanxian, password="Reset#Pass77")
        user = User.objects.get(pk=world.nanxian.pk)
        assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
