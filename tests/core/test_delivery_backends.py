"""Delivery backends (SMS, email, WeCom and DingTalk group robots), each against a small fake server
on 127.0.0.1 that the test starts: the exact request the real service expects, a failure recorded
and never raised, nothing sent for a rolled-back action, each message in its reader's language."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import subprocess
import sys
import time

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tests.core.fakes import FakeHttp, FakeSmtp, closed_port
from tongxin.core.models import DeliveryAttempt, Notification
from tongxin.core.notify import notify, register
from tongxin.core.outbound import dingtalk_sign

register("tests.delivery", title=gettext_lazy("通知"), body="%(text)s", label=gettext_lazy("通知"))
register("tests.private", title="%(text)s")

SMS = "tongxin.core.outbound.SmsBackend"
EMAIL = "tongxin.core.outbound.EmailBackend"
WECOM = "tongxin.core.outbound.WeComRobotBackend"
DINGTALK = "tongxin.core.outbound.DingTalkRobotBackend"


@pytest.fixture
def fake():
    server = FakeHttp().start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    server = FakeSmtp()
    yield server
    server.stop()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send(users, text): notify as an action would, and run what happens after its commit."""
    def run(users, text="请于今日 17 时前签收", key="tests.delivery"):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(users, key=key, params={"text": text})
    return run


def with_phone(user, phone="13812345678"):
    user.phone = phone
    user.save(update_fields=["phone"])
    return user


def attempts():
    return list(DeliveryAttempt.objects.order_by("id").values_list("backend", "status", "error"))


@pytest.fixture
def sms(settings, fake):
    settings.TONGXIN_NOTIFY_BACKENDS = [SMS]
    settings.TONGXIN_SMS_URL = f"{fake.url}/api/sms/send"
    settings.TONGXIN_SMS_TOKEN = "sms-token-1"
    settings.TONGXIN_SMS_SIGN = "湖南民政"
    fake.answer = {"code": 0, "message": "accepted"}
    return fake


@pytest.fixture
def wecom(settings, fake):
    settings.TONGXIN_NOTIFY_BACKENDS = [WECOM]
    settings.TONGXIN_WECOM_URL = f"{fake.url}/cgi-bin/webhook/send"
    settings.TONGXIN_WECOM_WEBHOOK_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    return fake


@pytest.fixture
def dingtalk(settings, fake):
    settings.TONGXIN_NOTIFY_BACKENDS = [DINGTALK]
    settings.TONGXIN_DINGTALK_URL = f"{fake.url}/robot/send"
    settings.TONGXIN_DINGTALK_TOKEN = "ding-access-token"
    settings.TONGXIN_DINGTALK_SECRET = "SEC0123456789abcdef"
    return fake


# --- SMS ---------------------------------------------------------------------------------------

def test_sms_posts_phone_text_and_sign_with_the_token(world, sms, send):
    (n,) = send([with_phone(world.nanxian)])
    (got,) = sms.received
    assert got.path == "/api/sms/send" and got.query == {}
    assert got.headers["authorization"] == "Bearer sms-token-1"
    assert got.headers["content-type"].startswith("application/json")
    assert got.json == {"phone": "13812345678", "text": "通知：请于今日 17 时前签收", "sign": "湖南民政"}
    assert attempts() == [("sms", "sent", "")]
    assert DeliveryAttempt.objects.get().notification == n


def test_sms_is_in_the_recipients_language(world, sms, send):
    user = with_phone(world.cili, "+86 139 0744 1234")
    user.language = "en"  # a stored language preference, as an accounts field would give it
    send([user], "sign by 17:00")
    assert sms.received[0].json["text"] == "Notifications: sign by 17:00"
    assert sms.received[0].json["phone"] == "13907441234"


def test_sms_skips_a_user_without_a_mobile_number(world, sms, send):
    with_phone(world.cili, "0744-8221234")  # a landline takes no SMS
    send([world.nanxian, world.cili])
    assert sms.received == []
    assert attempts() == [("sms", "skipped", "no phone number"), ("sms", "skipped", "not a mobile number")]


def test_sms_log_masks_the_phone_number(world, sms, send, caplog):
    with caplog.at_level(logging.INFO, logger="tongxin.notify"):
        send([with_phone(world.nanxian)])
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


def test_sms_gateway_refusal_is_recorded(world, sms, send):
    sms.answer = {"code": 4001, "message": "sign not approved"}
    send([with_phone(world.nanxian)])
    assert attempts() == [("sms", "failed", "refused: code 4001 sign not approved")]


# --- WeCom group robot -------------------------------------------------------------------------

def test_wecom_posts_text_to_the_webhook_with_its_key(world, wecom, send):
    send([world.nanxian])
    (got,) = wecom.received
    assert got.path == "/cgi-bin/webhook/send"
    assert got.query == {"key": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}
    assert got.json == {"msgtype": "text", "text": {"content": "通知：请于今日 17 时前签收"}}
    assert attempts() == [("wecom", "sent", "")]


def test_a_robot_posts_a_message_to_many_recipients_once(world, wecom, send):
    send([world.nanxian, world.cili, world.hunan])
    assert len(wecom.received) == 1
    assert attempts() == [("wecom", "sent", "")]


def test_a_robot_posts_in_the_groups_language_not_the_recipients(world, wecom, send, settings):
    world.cili.language = "en"
    send([world.cili])
    assert wecom.received[0].json["text"]["content"] == "通知：请于今日 17 时前签收"
    settings.TONGXIN_ROBOT_LANGUAGE = "en"
    send([world.cili])
    assert wecom.received[1].json["text"]["content"] == "Notifications: 请于今日 17 时前签收"


def test_robots_post_only_the_message_keys_the_groups_get(world, wecom, send, settings):
    settings.TONGXIN_ROBOT_MESSAGES = ["command.*", "tests.delivery"]
    send([world.nanxian], "一条私人消息", key="tests.private")
    assert wecom.received == [] and attempts() == []
    send([world.nanxian])
    assert len(wecom.received) == 1


def test_a_robots_errcode_is_a_recorded_failure(world, wecom, send):
    wecom.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    (n,) = send([world.nanxian])
    assert attempts() == [("wecom", "failed", "errcode 93000: invalid webhook url")]
    assert Notification.objects.filter(pk=n.pk).exists()  # the in-app notification stands


def test_a_long_message_is_cut_to_wecoms_2048_bytes(world, wecom, send):
    send([world.nanxian], "隐" * 1000)
    content = wecom.received[0].json["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048 and content.endswith("…")


# --- DingTalk group robot ----------------------------------------------------------------------

def test_dingtalk_signature_matches_a_known_example():
    # Computed independently: printf '1577262236757\nthis is secret' |
    #   openssl dgst -sha256 -hmac 'this is secret' -binary | base64   (then URL-encoded)
    assert dingtalk_sign(1577262236757, "this is secret") == "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"


def test_dingtalk_posts_text_signed_with_timestamp_and_sign(world, dingtalk, send):
    before = int(time.time() * 1000)
    send([world.nanxian])
    after = int(time.time() * 1000)
    (got,) = dingtalk.received
    assert got.path == "/robot/send"
    assert list(got.query) == ["access_token", "timestamp", "sign"]
    assert got.query["access_token"] == "ding-access-token"
    timestamp = int(got.query["timestamp"])
    assert before <= timestamp <= after  # milliseconds; DingTalk refuses one over an hour off
    secret = b"SEC0123456789abcdef"
    expected = base64.b64encode(hmac.new(secret, f"{timestamp}\n".encode() + secret, hashlib.sha256).digest())
    assert got.query["sign"] == expected.decode()  # the server decodes the URL encoding
    assert "sign=" + dingtalk_sign(timestamp, secret.decode()) in got.raw_query
    assert got.json == {"msgtype": "text", "text": {"content": "通知：请于今日 17 时前签收"}}
    assert attempts() == [("dingtalk", "sent", "")]


def test_dingtalk_without_a_secret_sends_no_signature(world, dingtalk, send, settings):
    settings.TONGXIN_DINGTALK_SECRET = ""
    send([world.nanxian])
    assert dingtalk.received[0].query == {"access_token": "ding-access-token"}


def test_dingtalk_errcode_is_a_recorded_failure(world, dingtalk, send):
    dingtalk.answer = {"errcode": 310000, "errmsg": "sign not match"}
    send([world.nanxian])
    assert attempts() == [("dingtalk", "failed", "errcode 310000: sign not match")]


# --- email -------------------------------------------------------------------------------------

@pytest.fixture
def email(settings, smtp):
    settings.TONGXIN_NOTIFY_BACKENDS = [EMAIL]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.DEFAULT_FROM_EMAIL = "tongxin@mz.hunan.example"
    return smtp


def with_email(user, address):
    user.email = address
    user.save(update_fields=["email"])
    return user


def test_email_goes_to_the_users_address_in_their_language(world, email, send):
    user = with_email(world.cili, "cili@mz.example")
    user.language = "en"
    send([with_email(world.nanxian, "nanxian@mz.example"), user], "sign by 17:00")
    by_rcpt = {rcpts[0]: (sender, mail) for sender, rcpts, mail in email.mails}
    assert set(by_rcpt) == {"nanxian@mz.example", "cili@mz.example"}
    sender, mail = by_rcpt["cili@mz.example"]
    assert sender == "tongxin@mz.hunan.example" and mail["To"] == "cili@mz.example"
    assert mail["Subject"] == "Notifications" and mail.get_content().strip() == "sign by 17:00"
    assert by_rcpt["nanxian@mz.example"][1]["Subject"] == "通知"
    assert attempts() == [("email", "sent", ""), ("email", "sent", "")]


def test_email_skips_a_user_without_an_address(world, email, send):
    send([world.nanxian])
    assert email.mails == [] and attempts() == [("email", "skipped", "no email address")]


def test_a_mail_server_that_is_down_is_recorded_and_tried_once_per_batch(world, email, send, settings):
    settings.EMAIL_PORT = closed_port()
    send([with_email(world.nanxian, "a@mz.example"), with_email(world.cili, "b@mz.example")])
    refused = "no connection (ConnectionRefusedError)"
    assert attempts() == [("email", "failed", refused),
                          ("email", "failed", f"not tried: {refused} earlier in this batch")]


# --- failures never reach the action -----------------------------------------------------------

def test_a_notification_of_a_rolled_back_action_sends_nothing(world, wecom, sms, django_capture_on_commit_callbacks,
                                                              settings):
    settings.TONGXIN_NOTIFY_BACKENDS = [WECOM, SMS]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify([with_phone(world.nanxian)], key="tests.delivery", params={"text": "不该发出"})
            raise RuntimeError("the action failed")
    assert wecom.received == [] and attempts() == [] and not Notification.objects.exists()


def test_a_refused_connection_is_recorded_not_raised(world, settings, send):
    settings.TONGXIN_NOTIFY_BACKENDS = [WECOM, DINGTALK]
    settings.TONGXIN_WECOM_URL = settings.TONGXIN_DINGTALK_URL = f"http://127.0.0.1:{closed_port()}/x"
    settings.TONGXIN_WECOM_WEBHOOK_KEY = settings.TONGXIN_DINGTALK_TOKEN = "k"
    (n,) = send([world.nanxian])
    assert attempts() == [("wecom", "failed", "no connection (ConnectionRefusedError)"),
                          ("dingtalk", "failed", "no connection (ConnectionRefusedError)")]
    assert n.pk and "k" not in "".join(e for _b, _s, e in attempts()).replace("ConnectionRefusedError", "")


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_an_http_error_is_recorded_not_raised(world, sms, send, status):
    sms.status = status
    send([with_phone(world.nanxian)])
    assert attempts() == [("sms", "failed", f"HTTP {status}")]


def test_a_gateway_that_times_out_is_given_up_for_the_batch(world, sms, send, settings):
    settings.TONGXIN_NOTIFY_TIMEOUT = 1
    sms.delay = 2
    started = time.monotonic()
    send([with_phone(world.nanxian), with_phone(world.cili, "13907441234"), with_phone(world.hunan, "13900000000")])
    assert time.monotonic() - started < 3  # one timeout for the batch, not one per recipient
    assert len(sms.received) == 1
    assert [s for _b, s, _e in attempts()] == ["failed"] * 3
    assert attempts()[0][2] == "timed out after 1 s"
    assert attempts()[1][2] == "not tried: timed out after 1 s earlier in this batch"


def test_a_failing_backend_does_not_stop_the_next(world, settings, send, fake):
    settings.TONGXIN_NOTIFY_BACKENDS = [SMS, WECOM]
    settings.TONGXIN_SMS_URL, settings.TONGXIN_SMS_TOKEN = f"http://127.0.0.1:{closed_port()}/sms", "t"
    settings.TONGXIN_WECOM_URL, settings.TONGXIN_WECOM_WEBHOOK_KEY = f"{fake.url}/cgi-bin/webhook/send", "k"
    send([with_phone(world.nanxian)])
    assert [(b, s) for b, s, _e in attempts()] == [("sms", "failed"), ("wecom", "sent")]
    assert len(fake.received) == 1


def test_the_logging_backend_is_the_default_and_records_nothing(world, send, caplog):
    from django.conf import settings as live

    assert live.TONGXIN_NOTIFY_BACKENDS == ["tongxin.core.notify.LoggingBackend"]
    with caplog.at_level(logging.INFO, logger="tongxin.notify"):
        send([world.nanxian])
    assert "notify user=" in caplog.text and attempts() == []


# --- the system administrator's page -----------------------------------------------------------

PAGE = reverse("system:deliveries")


def test_the_system_administrator_sees_what_did_not_go_out(world, wecom, send, client_for):
    wecom.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    send([world.nanxian], "南县福利院须立即排查")
    response = client_for(world.sysadmin).get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "errcode 93000" in html and "nanxian" in html and 'data-status="failed"' in html
    assert "南县福利院须立即排查" not in html  # no business data for the administrators


@pytest.mark.parametrize("who", ["secadmin", "auditor", "nanxian", "hunan"])
def test_only_the_system_administrator_opens_the_page(world, client_for, who):
    assert client_for(getattr(world, who)).get(PAGE).status_code == 403


# --- configuration -----------------------------------------------------------------------------

def load_settings(**env):
    """Import tongxin.settings in a fresh interpreter with only `env` of the TONGXIN_* variables."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_")}
    return subprocess.run([sys.executable, "-c", "import tongxin.settings"], env={**full, **env},
                          capture_output=True, text=True)


@pytest.mark.parametrize("env, named", [
    ({"TONGXIN_SMS_URL": "ftp://sms.example/send"}, "TONGXIN_SMS_URL"),
    ({"TONGXIN_DINGTALK_URL": "https://oapi.dingtalk.com/robot/send?access_token=x"}, "TONGXIN_DINGTALK_URL"),
    ({"TONGXIN_NOTIFY_TIMEOUT": "600"}, "TONGXIN_NOTIFY_TIMEOUT"),
    ({"TONGXIN_ROBOT_LANGUAGE": "fr"}, "TONGXIN_ROBOT_LANGUAGE"),
    ({"TONGXIN_EMAIL_PORT": "smtp"}, "TONGXIN_EMAIL_PORT"),
    ({"TONGXIN_EMAIL_STARTTLS": "true", "TONGXIN_EMAIL_SSL": "true"}, "TONGXIN_EMAIL_SSL"),
    ({"TONGXIN_NOTIFY_BACKENDS": SMS, "TONGXIN_SMS_URL": "https://sms.example/send"}, "TONGXIN_SMS_TOKEN"),
    ({"TONGXIN_NOTIFY_BACKENDS": f"{WECOM},{DINGTALK}", "TONGXIN_WECOM_WEBHOOK_KEY": "k"}, "TONGXIN_DINGTALK_TOKEN"),
])
def test_a_bad_delivery_setting_stops_start_up_naming_it(env, named):
    result = load_settings(**env)
    assert result.returncode != 0 and named in result.stderr


def test_a_complete_delivery_configuration_starts():
    result = load_settings(TONGXIN_NOTIFY_BACKENDS=f"{SMS},{EMAIL},{WECOM},{DINGTALK}",
                      TONGXIN_SMS_URL="https://sms.example/send", TONGXIN_SMS_TOKEN="t",
                      TONGXIN_WECOM_WEBHOOK_KEY="k", TONGXIN_DINGTALK_TOKEN="d", TONGXIN_EMAIL_PORT="465",
                      TONGXIN_EMAIL_SSL="true")
    assert result.returncode == 0, result.stderr


def test_the_delivery_log_reads_in_english(world, wecom, sms, send, client_for, settings):
    from tests.core.test_i18n import assert_english, english

    settings.TONGXIN_NOTIFY_BACKENDS = [WECOM, SMS]
    wecom.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    send([world.nanxian])
    client = client_for(world.sysadmin)
    response = client.get(PAGE, **english(client, "header"))
    assert_english(response.content.decode(), ["Delivery log", "Channel", "Failed", "Not sent", "Notifications",
                                               "no phone number", "In-app notifications are not affected."])
