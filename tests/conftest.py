"""Shared fixtures: the story's personas, Hunan's divisions, API and web clients.

Personas (DESIGN.md §7): `nanxian` (the county officer of 南县, our own county), `hunan` (the
province officer above), `cili` (a stranger county's officer), `home_reporter`
(nanxian-home-01, a reporter at the first 南县 home), plus the three administrators.
"""

from __future__ import annotations

import os
import tempfile

import pytest
from django.conf import settings

from tests.snapshots import Snapshots
from tests.world import build_world

PASSWORD = "Tongxin#2021"

# No secret or personal data in the logs of the whole suite (tests/logscan.py).
pytest_plugins = ["tests.logscan", "tests.commands"]  # the second gives the real_database fixture


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Evidence files written by tests (and by demo builds inside tests) never land in var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tongxin-test-media-")
    if os.environ.get("CI", "").lower() == "true" and os.environ.get("TONGXIN_TEST_EXPECT_POSTGRES"):
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise pytest.UsageError("CI expected PostgreSQL but the settings point elsewhere")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Hunan's divisions once per session; each test's data rolls back around it."""
    from tongxin.regions.services import load_divisions

    with django_db_blocker.unblock():
        load_divisions(["43"])


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the default language: a request in English (a cookie, a header)
    leaves English active in the thread, which would change the words of the tests after it."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters (core.ratelimit), cached public
    pages and lookups of one test never reach the next (a few wrong sign-ins would add up to 429s)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def demo_snapshots(tmp_path_factory):
    """The session's demo snapshots (tests/snapshots.py): the 2021 story is built once for every test
    that needs it, and copied back for each."""
    return Snapshots(tmp_path_factory.mktemp("demo-snapshots"))


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def client_for(client):
    """client_for(user): a Django test client signed in as that user (fresh per call)."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for():
    """api_for(user): a DRF client authenticated as that user with a real token (a new one each call,
    made by the one helper the application uses, `accounts.tokens.issue_token`)."""
    from rest_framework.test import APIClient

    from tongxin.accounts.tokens import issue_token

    def make(user):
        c = APIClient()
        _token, key = issue_token(user, name="test")
        c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return c

    return make
