"""Settings come from the environment, fail loudly on bad values, and pass check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
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


def test_production_settings_pass_check_deploy(tmp_path):
    result = _tongxin(
        "check", "--deploy", "--fail-level", "WARNING",
        TONGXIN_DEBUG="false", TONGXIN_SECRET_KEY="x" * 60 + "-secret-key-for-the-check-only-0123456789",
        TONGXIN_ALLOWED_HOSTS="tongxin.example", TONGXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _tongxin("check", TONGXIN_DEBUG="false", TONGXIN_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert result.returncode != 0
    assert "TONGXIN_SECRET_KEY" in result.stderr
