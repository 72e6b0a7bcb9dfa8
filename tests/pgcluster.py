"""Throwaway PostgreSQL clusters, and servers run against them, for tests that need a database of
their own: an outage (stop and start it under a server), a streaming replica (pg_basebackup).

A cluster is made with initdb on a spare loopback port in a temporary directory, run as the postgres
user when the tests run as root (initdb refuses root), with fsync off, and removed afterwards.
`unavailable()` says why such a test cannot run here; `skip_or_fail(reason)` skips with it, except
in CI on PostgreSQL, where a skipped test would hide a failure.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests import ci

ROOT = Path(__file__).resolve().parents[1]
BIN = Path("/usr/lib/postgresql/15/bin")

# Runs in a subprocess against a throwaway cluster: the world, the daily form assigned from yesterday
# on, and what a test needs to file a report (the reporter's token) and to read it (the province
# officer's), as JSON on the last line.
SETUP = r"""
import datetime as dt, json
import django
django.setup()
from django.utils import timezone
from tongxin.accounts.tokens import issue_token
from tests.reports.conftest import good_values
from tests.world import build_world
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.units.models import Kind

world = build_world()
(version,) = services.load_builtin_forms()
today = timezone.localdate()
daily = services.create_assignment(
    world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
    name="养老机构疫情防控日报", deadline=dt.time(23, 59), start_date=today - dt.timedelta(days=1),
    end_date=today + dt.timedelta(days=7), unit_kinds=[Kind.ELDERLY_CARE])
_token, key = issue_token(world.home_reporter, name="cluster")
_token, reader = issue_token(world.hunan, name="cluster")
print(json.dumps({"token": key, "reader_token": reader,
                  "body": {"assignment": daily.pk, "unit": world.nanxian_home.pk, "day": today.isoformat(),
                           "values": good_values()}}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unavailable(binaries: tuple[str, ...] = ("initdb", "pg_ctl", "pg_dump", "psql")) -> str:
    """Why a throwaway cluster cannot be started here ('' when it can)."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (a throwaway cluster is started)"
    missing = [b for b in binaries if not (BIN / b).exists()]
    if missing:
        return f"PostgreSQL binaries missing in {BIN}: {', '.join(missing)}"
    if os.geteuid() == 0:  # initdb refuses root: the cluster runs as the postgres user
        if not shutil.which("runuser"):
            return "running as root without runuser"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user"
    return ""


def skip_or_fail(reason: str) -> None:
    ci.skip_or_fail(reason, postgres_only=True)


def as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


class Cluster:
    """A running cluster on a spare port. `Cluster()` is a new primary (initdb; its pg_hba, made by
    initdb with trust, already lets loopback replication connections in); `Cluster(standby_of=p)`
    is a hot standby streaming from `p`, made with `pg_basebackup -R`. `settings` are extra
    `-c name=value` server settings (e.g. log_statement=all)."""

    def __init__(self, *, standby_of: Cluster | None = None, settings: dict[str, str] | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tongxin-pg-"))
        if os.geteuid() == 0:
            os.chown(self.dir, pwd.getpwnam("postgres").pw_uid, -1)
        self.data, self.port, self.settings = self.dir / "data", free_port(), settings or {}
        if standby_of is None:
            subprocess.run(as_postgres(str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                       "-E", "UTF8", "--no-sync"), check=True, capture_output=True)
        else:  # -R writes standby.signal and primary_conninfo; -X stream brings the WAL of the copy
            subprocess.run(as_postgres(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(standby_of.port),
                                       "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream",
                                       "--no-sync", "-c", "fast"), check=True, capture_output=True)
        self.start()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/tongxin"

    @property
    def log(self) -> Path:
        return self.dir / "log"

    def start(self) -> None:
        options = " ".join([f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                            *(f"-c {k}={v}" for k, v in self.settings.items())])
        subprocess.run(as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                   "-o", options, "-w", "start"), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"),
                       check=True, capture_output=True)

    def psql(self, sql: str, db: str = "tongxin") -> str:
        return subprocess.run([str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               "-d", db, "-qtAc", sql], check=True, capture_output=True, text=True).stdout.strip()

    def load_test_schema(self, test_db: dict[str, Any]) -> None:
        """Database `tongxin` here, holding what the test database holds (schema and divisions)."""
        self.psql("CREATE DATABASE tongxin", db="postgres")
        dump = subprocess.run([str(BIN / "pg_dump"), "-h", test_db["HOST"] or "127.0.0.1",
                               "-p", str(test_db["PORT"] or 5432), "-U", test_db["USER"], "--no-owner",
                               "--no-privileges", test_db["NAME"]], check=True, capture_output=True)
        subprocess.run([str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                        "-d", "tongxin", "-q", "-v", "ON_ERROR_STOP=1"], input=dump.stdout, check=True,
                       capture_output=True)

    def remove(self) -> None:
        subprocess.run(as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def environment(url: str, **extra: str) -> dict[str, str]:
    """The environment of a subprocess of ours (a script, a server) against database `url`."""
    return {**os.environ, "TONGXIN_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tongxin.settings",
            "TONGXIN_HOME": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}


def request(url: str, *, data: dict | None = None, headers: dict[str, str] | None = None,
            opener: urllib.request.OpenerDirector | None = None, form: dict | None = None):
    """(status, headers, body) of one plain HTTP request; JSON `data` or a web `form` as its body."""
    body = None if data is None else json.dumps(data).encode()
    content_type = "application/json"
    if form is not None:
        body, content_type = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def sign_in(base: str, username: str, password: str, *handlers: urllib.request.BaseHandler):
    """Sign `username` in through the login page of the server at `base`, as a browser does: returns
    (opener carrying the session cookie, its cookie jar), after asserting the sign-in took."""
    jar = CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), *handlers)
    request(f"{base}/accounts/login/", opener=browser)
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    status, _, body = request(f"{base}/accounts/login/", opener=browser, headers={"X-CSRFToken": csrf},
                              form={"username": username, "password": password})
    assert status == 200 and any(c.name == "sessionid" for c in jar), body[-2000:]
    return browser, jar


def wait_for_server(base: str, process: subprocess.Popen) -> None:
    """Returns once `base`/healthz answers 200; fails the test if the server exits or never does."""
    for _attempt in range(300):
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}")
        try:
            if request(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)  # waiting for the server process to listen, not for time to pass
    pytest.fail("the server did not come up")
