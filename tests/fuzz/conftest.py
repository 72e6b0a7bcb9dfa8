"""Fuzzing fixtures: the schema loaded in-process from the WSGI app, and tokens got like a real client."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.cache import cache

PASSWORD = "Tongxin#2021"


def auth_header(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The ONLY place that knows how an API client signs in: POST the credentials to /api/auth/token/
    and return the Authorization header. Two-factor (an `otp` field) and hashed tokens go here."""
    credentials = {"username": username, "password": password}
    response = client.post("/api/auth/token/", credentials, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"Authorization": f"Token {response.json()['token']}"}


@pytest.fixture
def fuzz_world(world, settings, tmp_path):
    """The test world plus a few rows, so the lists answer something: a draft (no approver yet) and an
    issued directive whose deliveries are not signed (no signer yet), both of the province."""
    from tests.command.helpers import draft, issue

    settings.MEDIA_ROOT = str(tmp_path / "media")
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
