"""Fuzzing fixtures: the schema loaded in-process from the WSGI app, and tokens got like a real client."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.cache import cache

PASSWORD = "Tongxin#2021"


def auth_header(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The ONLY place that knows how an API client signs in: POST the credentials to /api/auth/token/
    and return the Authorization header. Two-factor (an `otp` field) and hashed tokens go here."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    credentials = {"username": username, "password": password}
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is not None:  # a code of this 30 s step; django-otp takes each code once, so forget the last
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        credentials["otp"] = f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"
    response = client.post("/api/auth/token/", credentials, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"Authorization": f"Token {response.json()['token']}"}


@pytest.fixture
def fuzz_world(world, settings, tmp_path):
    """The test world plus a few rows, so the lists answer something: a draft (no approver yet) and an
    issued directive whose deliveries are not signed (no signer yet), both of the province. Two-factor
    is required of the security administrator, as in production, and secadmin has set it up, so the
    fuzz run signs in with a code (the other roles production requires it of sign in without one here:
    hunan is the leader who issues directives)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.command.helpers import draft, issue

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TONGXIN_2FA_REQUIRED_ROLES = ["security_admin"]
    TOTPDevice.objects.create(user=world.secadmin, name="fuzz", confirmed=True)
    cache.clear()
    draft(world)
    issue(world)
    yield world
    cache.clear()


@contextmanager
def connection_kept():
    """Schemathesis calls the WSGI app itself, whose request signals would close the test's database
    connection (and its transaction) after each call on PostgreSQL: disconnected meanwhile, as
    Django's test client does around its own calls (which is why this wraps the calls, not the test:
    a test client call connects the signals again)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db):
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    with connection_kept():
        return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
