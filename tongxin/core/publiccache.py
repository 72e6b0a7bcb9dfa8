"""Generations for cached public pages: a writer bumps a namespace when what the public sees
changes, and every cache key a reader builds carries the namespace's generation, so one bump
invalidates every page built from it at once (no key lists to keep, no stale page across processes
when the cache is shared, e.g. Redis).

`bump` runs after the write's transaction commits (a rolled-back write leaves the cache alone).
core imports no app of ours: the donations services bump "donations", the portal reads it.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

_PREFIX = "tongxin:gen:"


def generation(namespace: str) -> int:
    """The namespace's current generation: the time of the last bump in nanoseconds, so a generation
    lost from the cache (evicted, restarted) comes back newer than any a cached page was built at."""
    value = cache.get(_PREFIX + namespace)
    if value is None:
        cache.add(_PREFIX + namespace, time.time_ns(), timeout=None)
        value = cache.get(_PREFIX + namespace) or time.time_ns()
    return int(value)


def _bump_now(namespace: str) -> None:
    cache.set(_PREFIX + namespace, max(time.time_ns(), generation(namespace) + 1), timeout=None)


def bump(namespace: str) -> None:
    """Invalidate the namespace once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _bump_now(namespace))


def key(namespace: str, *parts: object) -> str:
    """A cache key for a page or fragment built from `namespace`'s data, at its current generation."""
    return ":".join([_PREFIX + namespace, str(generation(namespace)), *(str(p) for p in parts)])
