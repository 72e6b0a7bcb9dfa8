"""Settings come from the environment, fail loudly on bad values, and pass check --deploy."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tongxin.settings import envbool, envint


def test_env_helpers_refuse_bad_values(monkeypatch):
    monkeypatch.setenv("TONGXIN_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="TONGXIN_X"):
        envbool("TONGXIN_X", False)
    with pytest.raises(ImproperlyConfigured, match="TONGXIN_X"):
        envint("TONGXIN_X", 1)
    monkeypatch.setenv("TONGXIN_X", "off")
    assert envbool("TONGXIN_X", True) is False


def _tongxin(*args, **env):
    full = {k: v for k, v in os.environ.items()
            if not k.startswith("TONGXIN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "tongxin.cli", *args], env=full, capture_output=True, text=True)


def _production(tmp_path, **env):
    return {"TONGXIN_DEBUG": "false", "TONGXIN_SECRET_KEY": "x" * 60 + "-secret-key-for-the-check-only-0123456789",
            "TONGXIN_ALLOWED_HOSTS": "tongxin.example", "TONGXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "TONGXIN_PII_KEY": PII_KEY, "TONGXIN_CACHE_URL": "redis://127.0.0.1:6379/12", **env}


def test_production_settings_pass_check_deploy(tmp_path):
    result = _tongxin("check", "--deploy", "--fail-level", "WARNING", **_production(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_production_has_no_shared_cache(tmp_path):
    """Each process's own cache: rate limits, public-page invalidation and the replica pin would not
    hold across gunicorn workers (core.checks)."""
    env = _production(tmp_path)
    del env["TONGXIN_CACHE_URL"]
    result = _tongxin("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "tongxin.W001" in result.stderr and "TONGXIN_CACHE_URL" in result.stderr


def test_a_replica_needs_postgresql(tmp_path):
    result = _tongxin("check", **_production(tmp_path, TONGXIN_REPLICA_DATABASE_URL="postgres://r@127.0.0.1:1/x"))
    assert result.returncode != 0
    assert "TONGXIN_REPLICA_DATABASE_URL needs PostgreSQL" in result.stderr


PII_KEY = "A" * 86 + "=="  # 64 bytes in base64


@pytest.mark.parametrize("key", [None, "demo"])
def test_production_without_a_personal_data_key_of_its_own_refuses_to_start(tmp_path, key):
    env = {"TONGXIN_DEBUG": "false", "TONGXIN_SECRET_KEY": "x" * 60,
           "TONGXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    if key == "demo":
        env["TONGXIN_PII_KEY"] = base64.b64encode(settings.PII_DEMO_KEY).decode()
    result = _tongxin("check", **env)
    assert result.returncode != 0
    assert "TONGXIN_PII_KEY must be set" in result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _tongxin("check", TONGXIN_DEBUG="false", TONGXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert result.returncode != 0
    assert "TONGXIN_SECRET_KEY" in result.stderr


DEMO_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="127.0.0.1")
print(json.dumps({
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "key": settings.SECRET_KEY,
    "secure_cookies": settings.SESSION_COOKIE_SECURE, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "css": c.get("/static/tongxin/tongxin.css").status_code,
    "missing_page": c.get("/no-such-page/").status_code,
    "missing_page_is_friendly": "返回首页" in c.get("/no-such-page/").content.decode(),
}))
"""


def _demo_settings(home):
    import json

    full = {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full.update(TONGXIN_DEMO="true", TONGXIN_HOME=str(home), DJANGO_SETTINGS_MODULE="tongxin.settings",
                TONGXIN_DATABASE_URL=f"sqlite:///{home / 'demo.sqlite3'}")
    result = subprocess.run([sys.executable, "-c", DEMO_PROBE], env=full, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_demo_runs_with_debug_off_on_plain_http_and_serves_its_static_files(tmp_path):
    demo = _demo_settings(tmp_path)
    assert demo["debug"] is False
    assert set(demo["hosts"]) == {"127.0.0.1", "localhost", "[::1]"}
    assert demo["secure_cookies"] is False and demo["ssl_redirect"] is False  # plain http at loopback
    assert demo["css"] == 200  # WhiteNoise, no collectstatic
    assert demo["missing_page"] == 404 and demo["missing_page_is_friendly"]


def test_the_demo_keeps_the_secret_key_it_generated(tmp_path):
    first, second = _demo_settings(tmp_path), _demo_settings(tmp_path)
    assert first["key"] == second["key"] and len(first["key"]) >= 50
    assert "insecure" not in first["key"]
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    assert _demo_settings(tmp_path / "another")["key"] != first["key"]


PRODUCTION_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="tongxin.example")
page = c.get("/accounts/login/", secure=True)
plain = c.get("/accounts/login/")
print(json.dumps({
    "key": settings.SECRET_KEY, "debug": settings.DEBUG,
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
    "hsts": page.headers.get("Strict-Transport-Security"),
    "csp": page.headers.get("Content-Security-Policy", ""),
    "frame": page.headers.get("X-Frame-Options"), "nosniff": page.headers.get("X-Content-Type-Options"),
    "referrer": page.headers.get("Referrer-Policy"),
    "plain": [plain.status_code, plain.headers.get("Location", "")],
}))
"""


def test_production_sends_https_only_cookies_hsts_and_secure_headers(tmp_path):
    """What check --deploy asks, seen on a real response under the production settings."""
    key = "k" * 40 + "-only-from-the-environment-0123456789"
    full = {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full.update(TONGXIN_DEBUG="false", TONGXIN_SECRET_KEY=key, TONGXIN_ALLOWED_HOSTS="tongxin.example",
                DJANGO_SETTINGS_MODULE="tongxin.settings", TONGXIN_HOME=str(tmp_path), TONGXIN_PII_KEY=PII_KEY,
                TONGXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    result = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], env=full, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    import json

    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["key"] == key and got["debug"] is False  # the secret is the environment's, nothing else
    assert got["cookies"] == [True, True, True]
    assert got["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in got["csp"] and "frame-ancestors 'none'" in got["csp"]
    assert (got["frame"], got["nosniff"], got["referrer"]) == ("DENY", "nosniff", "same-origin")
    assert got["plain"] == [301, "https://tongxin.example/accounts/login/"]


def _database_settings(tmp_path, **env):
    full = {k: v for k, v in os.environ.items()
            if not k.startswith("TONGXIN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full.update(_production(tmp_path, **env), DJANGO_SETTINGS_MODULE="tongxin.settings")
    code = ("from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])")
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)


def test_connections_persist_ten_minutes_and_are_checked_before_reuse_by_default(tmp_path):
    result = _database_settings(tmp_path)
    assert result.stdout.split() == ["600", "True"], result.stderr


def test_the_connection_age_can_be_set_and_zero_turns_persistence_off(tmp_path):
    assert _database_settings(tmp_path, TONGXIN_DB_CONN_MAX_AGE="0").stdout.split() == ["0", "True"]
    assert _database_settings(tmp_path, TONGXIN_DB_CONN_MAX_AGE="60").stdout.split() == ["60", "True"]


def test_a_negative_connection_age_refuses_to_start(tmp_path):
    result = _database_settings(tmp_path, TONGXIN_DB_CONN_MAX_AGE="-1")
    assert result.returncode != 0 and "TONGXIN_DB_CONN_MAX_AGE must be 0 or more" in result.stderr
