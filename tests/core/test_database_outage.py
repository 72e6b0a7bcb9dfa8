"""A real PostgreSQL outage (issue #12, faults): a report filed while the database is down answers 503
(JSON in the API, a page elsewhere), and the same filing retried with the same Idempotency-Key once
the database is back files once and then replays.

The test starts a throwaway PostgreSQL cluster on a spare port (initdb and pg_ctl, run as the postgres
user), copies the test database's schema and divisions into it (pg_dump | psql), builds the story's
world there in a subprocess, and runs `tongxin runserver` against it in another; it then stops and
starts the cluster under that server and makes plain HTTP requests. PostgreSQL only: skipped with a
reason elsewhere or without the binaries, but never skipped when CI=true on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.world import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
BIN = Path("/usr/lib/postgresql/15/bin")

# Runs in a subprocess against the throwaway cluster: the world, the daily form assigned from
# yesterday on, and what the test needs to file a report (JSON on the last line).
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
_token, key = issue_token(world.home_reporter, name="outage")
print(json.dumps({"token": key, "body": {"assignment": daily.pk, "unit": world.nanxian_home.pk,
                                                "day": today.isoformat(), "values": good_values()}}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable() -> str:
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (a throwaway cluster is started)"
    missing = [b for b in ("initdb", "pg_ctl", "pg_dump", "psql") if not (BIN / b).exists()]
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


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tongxin-outage-"))
        if os.geteuid() == 0:
            os.chown(self.dir, pwd.getpwnam("postgres").pw_uid, -1)
        self.data, self.port = self.dir / "data", _free_port()
        subprocess.run(_as_postgres(str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                    "-E", "UTF8", "--no-sync"), check=True, capture_output=True)
        self.start()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/tongxin"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                                    "-o", options, "-w", "start"), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"),
                       check=True, capture_output=True)

    def psql(self, sql: str, db: str = "tongxin") -> str:
        return subprocess.run([str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               "-d", db, "-qtAc", sql], check=True, capture_output=True, text=True).stdout.strip()

    def remove(self) -> None:
        subprocess.run(_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def _environment(url: str) -> dict[str, str]:
    return {**os.environ, "TONGXIN_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tongxin.settings",
            "TONGXIN_HOME": str(ROOT), "PYTHONUNBUFFERED": "1"}


def _request(url: str, *, data: dict | None = None, headers: dict[str, str] | None = None,
             opener: urllib.request.OpenerDirector | None = None, form: dict | None = None):
    body = None if data is None else json.dumps(data).encode()
    content_type = "application/json"
    if form is not None:
        body, content_type = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture(scope="module")
def outage(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reason = _unavailable()
        test_db = settings.DATABASES["default"]
    if reason:
        if os.environ.get("CI", "").lower() == "true" and connection.vendor == "postgresql":
            pytest.fail(f"must not skip in CI on PostgreSQL: {reason}")
        pytest.skip(reason)
    cluster, server = Cluster(), None
    try:
        cluster.psql("CREATE DATABASE tongxin", db="postgres")
        dump = subprocess.run([str(BIN / "pg_dump"), "-h", test_db["HOST"] or "127.0.0.1",
                               "-p", str(test_db["PORT"] or 5432), "-U", test_db["USER"], "--no-owner",
                               "--no-privileges", test_db["NAME"]], check=True, capture_output=True)
        subprocess.run([str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                        "-d", "tongxin", "-q", "-v", "ON_ERROR_STOP=1"], input=dump.stdout, check=True,
                       capture_output=True)
        made = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=_environment(cluster.url),
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr[-3000:]
        scene = json.loads(made.stdout.splitlines()[-1])
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "tongxin.cli", "runserver", f"127.0.0.1:{port}",
                                   "--noreload"], cwd=ROOT, env=_environment(cluster.url),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(200):
            try:
                if _request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)  # waiting for the server process to listen, not for time to pass
        else:
            pytest.fail("the server did not come up")
        yield cluster, base, scene
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        cluster.remove()


@pytest.mark.django_db  # (also what makes pytest-django set up the test database copied)
def test_a_filing_during_an_outage_is_a_503_and_its_retry_with_the_same_key_files_once(outage):
    cluster, base, scene = outage
    jar = CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _request(f"{base}/accounts/login/", opener=browser)
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    status, _, body = _request(f"{base}/accounts/login/", opener=browser, headers={"X-CSRFToken": csrf},
                               form={"username": "nanxian", "password": PASSWORD})
    assert status == 200 and any(c.name == "sessionid" for c in jar), body[-2000:]
    auth = {"Authorization": f"Token {scene['token']}", "Idempotency-Key": "phone-outage-1",
            "Accept": "application/json"}
    cluster.stop()
    status, headers, body = _request(f"{base}/api/reports/", data=scene["body"], headers=auth)
    assert status == 503, body
    assert headers.get("Retry-After") and json.loads(body)["detail"]
    status, headers, body = _request(f"{base}/ledger/", opener=browser)
    assert status == 503 and "数据库暂时无法访问" in body and headers.get("Retry-After")

    cluster.start()
    status, _, body = _request(f"{base}/api/reports/", data=scene["body"], headers=auth)
    assert status == 201, body
    first = json.loads(body)
    status, _, body = _request(f"{base}/api/reports/", data=scene["body"], headers=auth)
    assert status == 200, body
    assert json.loads(body)["id"] == first["id"]
    assert cluster.psql("SELECT count(*) FROM reports_report") == "1"
