"""Two-factor sign-in (accounts.twofactor): setup with a QR code and backup codes, the code step after
the password, 5 wrong codes, the 5-minute pending sign-in, roles that must have it, the API token's otp."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tongxin.core.models import AuditEvent

RIGHT = "Tongxin#2021"
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SETUP = "/accounts/twofactor/"
TOKEN = "/api/auth/token/"
REQUIRED = override_settings(TONGXIN_2FA_REQUIRED_ROLES=["system_admin", "security_admin", "auditor", "leader"])


def code_for(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def enable(client, username):
    """Sign in, set up TOTP through the page; returns the device and the backup codes."""
    assert client.post(LOGIN, {"username": username, "password": RIGHT}).status_code == 302
    page = client.get(SETUP)
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    assert client.post(SETUP, {"action": "enable", "otp_token": "000000" if code_for(device) != "000000"
                               else "111111"}).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):  # django-otp throttles after a failure
        response = client.post(SETUP, {"action": "enable", "otp_token": code_for(device)})
    assert response.status_code == 200
    codes = response.context["backup_codes"]
    client.post("/accounts/logout/")
    # django-otp refuses a code twice in its 30 s step: forget the setup's so the test can sign in now
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device, codes


def password_step(client, username="nanxian", ip="10.2.2.2"):
    return client.post(LOGIN, {"username": username, "password": RIGHT}, REMOTE_ADDR=ip)


def test_setup_shows_qr_and_secret_and_backup_codes_once(world, client):
    device, codes = enable(client, "nanxian")
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user__username="nanxian").count() == 10
    assert AuditEvent.objects.filter(action="create", actor_name="nanxian", object_type="otp_totp.totpdevice").exists()
    password_step(client)
    client.post(CODE, {"otp_token": code_for(device)})
    page = client.get(SETUP).content.decode()
    assert codes[0] not in page and "data:image" not in page  # shown once, no new QR while enabled


def test_password_alone_does_not_sign_in_an_account_with_a_device(world, client):
    device, _codes = enable(client, "nanxian")
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == CODE
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still not signed in
    assert client.post(CODE, {"otp_token": "12345"}).status_code == 400
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):  # django-otp throttles after a failure
        response = client.post(CODE, {"otp_token": code_for(device)})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_backup_code_works_once_and_is_audited(world, client):
    _device, codes = enable(client, "nanxian")
    password_step(client)
    assert client.post(CODE, {"otp_token": codes[0]}).status_code == 302
    assert AuditEvent.objects.filter(action="update", object_type="otp_static.staticdevice").count() == 1
    client.post("/accounts/logout/")
    password_step(client)
    assert client.post(CODE, {"otp_token": codes[0]}).status_code == 400


def test_five_wrong_codes_end_the_pending_sign_in_and_count_for_the_lockout(world, client):
    device, _codes = enable(client, "nanxian")
    password_step(client)
    for _i in range(4):
        assert client.post(CODE, {"otp_token": "99999999"}, REMOTE_ADDR="10.2.2.2").status_code == 400
    assert AuditEvent.objects.filter(action="login_failed", actor_name="nanxian").count() == 4
    fifth = client.post(CODE, {"otp_token": "99999999"}, REMOTE_ADDR="10.2.2.2")
    # the fifth failure locks the account (5 = TONGXIN_LOGIN_FAILURE_LIMIT): axes answers 429
    assert fifth.status_code == 429
    assert "tongxin_2fa_pending" not in client.session
    assert client.post(CODE, {"otp_token": code_for(device)}).status_code == 302  # nothing pending: back
    assert "_auth_user_id" not in client.session
    assert password_step(client).status_code == 429  # locked for the password too
    assert AuditEvent.objects.filter(action="lockout", actor_name="nanxian").count() == 1


@override_settings(TONGXIN_LOGIN_FAILURE_LIMIT=50, AXES_FAILURE_LIMIT=50)
def test_five_wrong_codes_send_back_to_the_password_step(world, client):
    device, _codes = enable(client, "nanxian")
    password_step(client)
    for _i in range(4):
        client.post(CODE, {"otp_token": "99999999"})
    response = client.post(CODE, {"otp_token": "99999999"})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert client.post(CODE, {"otp_token": code_for(device)})["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_the_pending_sign_in_expires_after_5_minutes(world, client):
    device, _codes = enable(client, "nanxian")
    password_step(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(CODE, {"otp_token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_turning_it_off_needs_a_current_code(world, client):
    device, _codes = enable(client, "nanxian")
    password_step(client)
    client.post(CODE, {"otp_token": code_for(device)})
    assert client.post(SETUP, {"action": "disable", "otp_token": code_for(device)}).status_code == 400  # used
    assert client.post(SETUP, {"action": "disable", "otp_token": "99999999"}).status_code == 400
    assert TOTPDevice.objects.filter(user__username="nanxian", confirmed=True).exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=62)):
        assert client.post(SETUP, {"action": "disable", "otp_token": code_for(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user__username="nanxian").exists()
    assert AuditEvent.objects.filter(action="delete", object_type="otp_totp.totpdevice").count() == 1
    client.post("/accounts/logout/")
    assert password_step(client).status_code == 302 and "_auth_user_id" in client.session


@REQUIRED
def test_a_required_role_without_a_device_is_sent_to_set_it_up(world, client):
    password_step(client, "sysadmin")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == SETUP
    assert client.get(SETUP).status_code == 200
    assert APIClient().post(TOKEN, {"username": "sysadmin", "password": RIGHT}, format="json").status_code == 403


@REQUIRED
def test_other_roles_are_not_required(world, client):
    password_step(client, "nanxian")
    assert client.get("/").status_code == 200


def test_no_role_is_required_by_default_in_tests(world, client):
    password_step(client, "sysadmin")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("otp, status", [(None, 400), ("99999999", 400), ("right", 200)])
def test_the_api_token_needs_the_code_once_set_up(world, client, otp, status):
    device, _codes = enable(client, "nanxian")
    body = {"username": "nanxian", "password": RIGHT}
    if otp is not None:
        body["otp"] = code_for(device) if otp == "right" else otp
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == status, response.content
    if status == 400:
        assert "otp" in response.json() or "detail" in response.json()
        assert AuditEvent.objects.filter(action="login_failed", actor_name="nanxian").count() == 1
    else:
        assert response.json()["token"]


def test_the_schema_describes_the_otp_field(world, client):
    client.post(LOGIN, {"username": "nanxian", "password": RIGHT})
    schema = client.get("/api/schema/").content.decode()
    assert "otp" in schema
