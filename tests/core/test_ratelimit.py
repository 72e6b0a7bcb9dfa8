"""The shared rate limiter (core.ratelimit, issue #12): sign-in, token and filing endpoints answer 429
with Retry-After once a client passes its rate in a window, JSON under /api/ and a Chinese page
elsewhere; the next window lets it in again. These tests run at the real default rates (the settings'
TONGXIN_RATES, set explicitly with override_settings), with the clock frozen inside one window."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from tongxin.core import ratelimit
from tongxin.core.ratelimit import Rate
from tongxin.settings import TONGXIN_RATES, envrate

REAL = override_settings(TONGXIN_RATES=dict(TONGXIN_RATES))
START = dt.datetime(2026, 3, 2, 9, 30, 5, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_rates_parse_and_bad_ones_are_refused(monkeypatch):
    assert Rate.parse("10/m") == Rate(10, 60)
    assert Rate.parse("30/5m") == Rate(30, 300)
    assert Rate.parse("1000/d") == Rate(1000, 86400)
    for bad in ("", "10", "ten/m", "0/m", "10/0m", "10/w", "-1/s"):
        with pytest.raises(ImproperlyConfigured):
            Rate.parse(bad)
    monkeypatch.setenv("TONGXIN_RATE_LOGIN", "lots")
    with pytest.raises(ImproperlyConfigured, match="TONGXIN_RATE_LOGIN"):
        envrate("TONGXIN_RATE_LOGIN", "30/m")


def test_the_sign_in_limit_is_above_the_account_lockout():
    assert ratelimit.rate_of("login").count > 5  # django-axes locks an account after 5 failures


def test_a_fixed_window_counts_and_resets(frozen):
    rate = Rate(3, 60)
    assert [ratelimit.hit("t", "a", rate).allowed for _ in range(4)] == [True, True, True, False]
    assert ratelimit.hit("t", "a", rate).retry_after == 55  # 9:30:05 → the window ends at 9:31:00
    assert ratelimit.hit("t", "b", rate).allowed  # another client counts on its own
    frozen.shift(55)
    assert ratelimit.hit("t", "a", rate).allowed


@REAL
def test_sign_in_page_posts_are_limited_per_address(db, client, frozen):
    limit = ratelimit.rate_of("login").count
    # Empty forms: no password is tried, so the lockout (django-axes, which counts failed passwords per
    # account and per address) never answers first; the rate limit counts every POST.
    answers = [client.post(reverse("accounts:login"), {"username": "", "password": ""}) for _ in range(limit)]
    assert all(a.status_code == 200 for a in answers)
    refused = client.post(reverse("accounts:login"), {"username": "nanxian", "password": "Tongxin#2021"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 55
    assert "请求过于频繁" in refused.content.decode() and refused["Content-Type"].startswith("text/html")
    assert client.get(reverse("accounts:login")).status_code == 200  # the page itself still opens
    other = client.post(reverse("accounts:login"), {"username": "x", "password": "y"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code != 429
    frozen.shift(60)
    assert client.post(reverse("accounts:login"), {"username": "x", "password": "y"}).status_code != 429


@REAL
def test_the_token_endpoint_answers_json_429(db, client, frozen):
    limit = ratelimit.rate_of("token").count
    for i in range(limit):
        client.post(reverse("api-token"), {"username": f"nobody{i}", "password": "x"})
    refused = client.post(reverse("api-token"), {"username": "nanxian", "password": "x"})
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert "请求过于频繁" in refused.json()["detail"] and int(refused["Retry-After"]) == 55


@REAL
def test_filing_through_the_api_is_limited_per_account(world, api_for, frozen):
    limit = ratelimit.rate_of("submit").count
    reporter, officer = api_for(world.home_reporter), api_for(world.nanxian)
    for _ in range(limit):
        assert reporter.post(reverse("report-list"), {}, format="json").status_code == 400
    refused = reporter.post(reverse("report-list"), {}, format="json")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert officer.post(reverse("report-list"), {}, format="json").status_code == 400  # another account
    assert reporter.get(reverse("report-list")).status_code == 200  # reading is not limited


@REAL
def test_web_uploads_are_limited_with_a_chinese_page(world, client_for, frozen):
    limit = ratelimit.rate_of("submit").count
    officer = client_for(world.nanxian)
    for _ in range(limit):
        assert officer.post(reverse("ledger:create"), {}).status_code == 400
    refused = officer.post(reverse("ledger:create"), {})
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 55
    assert "请求过于频繁，请 55 秒后再试" in refused.content.decode()


def test_the_limited_views_exist():
    from tests.scope.test_matrix import _routes

    names = {name for name, _cb in _routes()}
    assert set(ratelimit.settings.TONGXIN_RATE_LIMITED) <= names
