"""Deployment checks of our own, run by `tongxin check --deploy` beside Django's.

W001: production without a shared cache. Each process then keeps its own: the rate limits
(core.ratelimit) count per process, a public page invalidated in one process is served stale by the
others (core.publiccache), and the read replica's read-your-writes pin (core.replica) holds only in
the process that wrote. One process is fine; several gunicorn workers or hosts need TONGXIN_CACHE_URL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

PROCESS_LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A warning when production (not DEBUG, not the demo) runs on a cache each process keeps alone."""
    if settings.DEBUG or settings.DEMO:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PROCESS_LOCAL_CACHES:
        return []
    return [checks.Warning(
        "The cache is kept in each process's memory: with several worker processes or hosts the rate "
        "limits count per process, public pages are served stale after a change, and the read replica's "
        "read-your-writes pin holds in one process only.",
        hint="Set TONGXIN_CACHE_URL=redis://HOST:6379/0 (docs/deploy.md, 'Statelessness').",
        id="tongxin.W001")]
