"""With several worker processes the public pages must be invalidated everywhere at once: the cache is
Redis (TONGXIN_CACHE_URL), shared. A write through the services in one process bumps the generation
that a second, separately connected cache client (another process's) reads, and the page shows the
new gift on the next request. Runs against the Redis on 127.0.0.1:6379 (database 14)."""

from __future__ import annotations

import os
import socket

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from tests.donations import factories as f
from tongxin.core import publiccache
from tongxin.donations.services import donations

URL = os.environ.get("TONGXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": URL}}


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_cache(settings):
    if not _redis_up():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = REDIS
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.mark.django_db
def test_a_write_in_one_process_invalidates_the_page_for_every_process(world, client, redis_cache,
                                                                       django_capture_on_commit_callbacks):
    assert isinstance(caches["default"], RedisCache)
    other_process = RedisCache(URL, {})  # its own connection, as another worker would have
    a = f.appeal(world.leshan, "冬衣倡议")
    donations.record_donation(world.leshan_staff, world.leshan, {"appeal_id": a.pk, "donor_kind": "anonymous",
                                                                 "channel": "bank"},
                              [{"item": f.cash(), "quantity": 1200}])
    url = reverse("portal:appeal", args=[a.pk])
    assert "1,200.00" in client.get(url).content.decode()
    before = other_process.get("tongxin:gen:donations")
    assert before == publiccache.generation("donations")  # both processes read the same generation
    with django_capture_on_commit_callbacks(execute=True):
        donations.record_donation(world.leshan_staff, world.leshan, {"appeal_id": a.pk, "donor_kind": "anonymous",
                                                                     "channel": "bank"},
                                  [{"item": f.cash(), "quantity": 800}])
    assert other_process.get("tongxin:gen:donations") > before
    assert "2,000.00" in client.get(url).content.decode()
