"""Real races for the tests: N callers at once, each on its own database connection.

`race(n, call)` runs `call(i)` for i in 0..n-1 and returns what each returned (or the exception it
raised). On PostgreSQL each call runs in its own thread, released together by a barrier, so the
calls truly overlap on separate connections (row locks, unique indexes and READ COMMITTED are what
is tested). SQLite has one writer at a time and its in-memory test database reports a clash as
"table is locked" instead of waiting, so there the calls run one after another: the same
assertions then check the serial outcome (one write, the others replay or are refused).

A race needs data the other connections can see, so its test uses `transactional_db` (which
empties every table when it ends); `divisions_back` puts Hunan's divisions back around it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

ON_POSTGRES = connection.vendor == "postgresql"


def race(n: int, call: Callable[[int], Any], *, timeout: float = 30) -> list[Any]:
    """What `call(i)` returned or raised, for each of `n` callers started at the same moment."""
    outcomes: list[Any] = [None] * n
    if not ON_POSTGRES:
        for i in range(n):
            try:
                outcomes[i] = call(i)
            except Exception as exc:  # the caller asserts on it
                outcomes[i] = exc
        return outcomes
    start = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            start.wait(timeout=timeout)
            outcomes[i] = call(i)
        except Exception as exc:  # the caller asserts on it
            outcomes[i] = exc
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racer hung (a deadlock?)"
    return outcomes


@pytest.fixture
def divisions_back(django_db_blocker):
    """Hunan's divisions before the test and after it. Requested before transactional_db, so it tears
    down after the flush (pytest-django runs transactional tests last; another may have emptied the
    tables just before this one)."""
    from tongxin.regions.models import Region
    from tongxin.regions.services import load_divisions

    def ensure() -> None:
        with django_db_blocker.unblock():
            if not Region.objects.filter(code="430921").exists():
                load_divisions(["43"])

    ensure()
    yield
    ensure()
