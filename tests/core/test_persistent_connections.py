"""A gunicorn worker keeps its database connection between requests (TONGXIN_DB_CONN_MAX_AGE, 600 s by
default, issue #13) and replaces one the database has dropped before a request uses it (health checks).

Each test runs `gunicorn -w 1` on a spare loopback port against a committed copy of the test database
(tests/pgcopy.py) and looks at the worker from outside: on PostgreSQL its backend in pg_stat_activity
(the server connects with its own application_name), on SQLite the database file among the worker's
open files (/proc/PID/fd). With TONGXIN_DB_CONN_MAX_AGE=0 the worker holds nothing between requests,
which shows the test sees what it claims to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests import ci
from tests.pgcluster import ROOT, environment, free_port, request, wait_for_server
from tests.pgcopy import CommittedCopy


class Served:
    def __init__(self, base: str, copy: CommittedCopy, name: str, master: subprocess.Popen) -> None:
        self.base, self.copy, self.name, self.master = base, copy, name, master

    def health(self) -> int:
        return request(f"{self.base}/healthz")[0]

    def worker(self) -> int:
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def held(self) -> list[str]:
        """What the worker holds open on the database between requests: PostgreSQL backend pids, or
        the SQLite file's descriptors."""
        if self.copy.vendor == "sqlite":
            fds = Path(f"/proc/{self.worker()}/fd")
            return sorted(fd.name for fd in fds.iterdir() if _target(fd) == str(self.copy.path))
        rows = self.copy.query(f"SELECT pid FROM pg_stat_activity WHERE application_name = '{self.name}'")
        return sorted(str(pid) for (pid,) in rows)


def _target(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:  # closed while we looked
        return ""


@pytest.fixture(scope="module")
def copy(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[CommittedCopy]:
    """One copy for the module's servers, made before any test's transaction opens (SQLite's backup
    would wait on it for ever)."""
    with django_db_blocker.unblock():
        made = CommittedCopy(tmp_path_factory.mktemp("conns"), "tongxin_conns")
    yield made
    made.drop()


@contextlib.contextmanager
def gunicorn(copy: CommittedCopy, age: str) -> Iterator[Served]:
    binary = Path(sys.executable).with_name("gunicorn")
    if not binary.exists() and not shutil.which("gunicorn"):
        pytest.fail("gunicorn is a dependency of the project (pyproject.toml) and must be installed")
    name = f"tongxin-conns-{uuid.uuid4().hex[:8]}"
    url = copy.url if copy.vendor == "sqlite" else f"{copy.url}?application_name={name}"
    server = None
    try:
        port = free_port()
        server = subprocess.Popen([str(binary), "--workers", "1", "--bind", f"127.0.0.1:{port}", "tongxin.wsgi"],
                                  cwd=ROOT, env=environment(url, TONGXIN_DB_CONN_MAX_AGE=age),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_for_server(base, server)
        yield Served(base, copy, name, server)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)


@pytest.mark.django_db  # (also what makes pytest-django set up the test database to copy)
def test_a_worker_answers_the_next_request_on_the_connection_it_kept(copy):
    with gunicorn(copy, "600") as served:
        kept = served.held()
        assert len(kept) == 1, kept  # opened by the first request, still open after it
        assert served.health() == 200
        assert served.held() == kept  # the same connection answered the second request
        assert served.health() == 200
        assert served.held() == kept


@pytest.mark.django_db
def test_without_a_connection_age_a_worker_holds_no_connection_between_requests(copy):
    with gunicorn(copy, "0") as served:
        assert served.health() == 200
        assert served.held() == []


@pytest.mark.django_db
def test_a_connection_the_database_dropped_is_replaced_before_the_next_request_uses_it(copy):
    if connection.vendor != "postgresql":
        ci.skip_or_fail("a database server that drops connections: PostgreSQL", postgres_only=True)
    with gunicorn(copy, "600") as served:
        (backend,) = served.held()
        assert served.copy.query(f"SELECT pg_terminate_backend({backend})") == [(True,)]
        assert served.health() == 200  # not the 503 of a database outage: the health check reconnected
        (replaced,) = served.held()
        assert replaced != backend
        assert served.health() == 200 and served.held() == [replaced]
