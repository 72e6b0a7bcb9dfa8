"""The read-replica router against a real PostgreSQL streaming replica (issue #13, beyond one machine).

The test starts a throwaway primary cluster and a hot standby made from it with `pg_basebackup -R`,
both on spare loopback ports (tests/pgcluster.py), loads the test database's schema on the primary
(it streams to the standby), builds the story's world there, and runs `tongxin runserver` with
TONGXIN_REPLICA_DATABASE_URL pointing at the standby. The standby logs every statement it runs
(log_statement=all): a table named in Django's quoting (`"reports_report"`) in its log means the
router sent that read there. A hot standby refuses every write, so a write that succeeds went to
the primary.

What it shows: a filing on the primary appears on the replica; the report list and detail, the
overview and the public pages read from the replica; the filer's own reads, a request that writes,
a transaction and a session stay on the primary; with the replica stopped the routed reads fail
over to the primary (the decision documented in core/replica.py and docs/deploy.md).
PostgreSQL only: skipped with a reason elsewhere, never when CI=true on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

import tests.pgcluster as pg
from tests.world import PASSWORD

PIN_SECONDS = 2

# Runs in a subprocess with the replica configured: which database each rule sends a read to, and
# whether that connection is the standby (pg_is_in_recovery), as JSON on the last line.
PROBE = r"""
import json
import django
django.setup()
from django.contrib.sessions.models import Session
from django.db import connections, router, transaction
from django.test import RequestFactory
from tongxin.core import replica
from tongxin.regions.models import Region
from tongxin.reports.models import Report

def recovery(alias):
    with connections[alias].cursor() as c:
        c.execute("SELECT pg_is_in_recovery()")
        return c.fetchone()[0]

out = {"outside": router.db_for_read(Report)}
with replica.reads() as routed:
    alias = router.db_for_read(Report)
    out.update(routed=routed, inside=alias, inside_is_standby=recovery(alias),
               count_on_replica=Report.objects.count(), session=router.db_for_read(Session))
    with transaction.atomic():
        out["in_transaction"] = router.db_for_read(Report)
    with replica.primary():
        out["forced_primary"] = router.db_for_read(Report)
with replica.reads(RequestFactory().post("/")) as routed:
    out["unsafe_request"] = [routed, router.db_for_read(Report)]
with replica.reads():
    Region.objects.filter(code="000000").update(name="x")  # a write (of nothing) in the block
    out["after_write"] = router.db_for_read(Report)
out["outside_is_standby"] = recovery(out["outside"])
print(json.dumps(out))
"""


def _statements(log: Path, table: str) -> int:
    """How many statements the standby ran that name `table` as Django quotes it."""
    return log.read_text(errors="replace").count(f'"{table}"')


def _wait_for(check, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s")
        time.sleep(0.05)  # waiting for replication to replay, not for time to pass


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        reason = pg.unavailable(("initdb", "pg_ctl", "pg_dump", "psql", "pg_basebackup"))
        test_db = settings.DATABASES["default"]
    if reason:
        pg.skip_or_fail(reason)
    primary = pg.Cluster()
    standby = server = None
    try:
        standby = pg.Cluster(standby_of=primary, settings={"log_statement": "all"})
        primary.load_test_schema(test_db)
        made = subprocess.run([sys.executable, "-c", pg.SETUP], cwd=pg.ROOT, env=pg.environment(primary.url),
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr[-3000:]
        scene = json.loads(made.stdout.splitlines()[-1])
        env = pg.environment(primary.url, TONGXIN_REPLICA_DATABASE_URL=standby.url,
                          TONGXIN_REPLICA_PIN_SECONDS=str(PIN_SECONDS))
        server_log = tmp_path_factory.mktemp("replica") / "server.log"
        port = pg.free_port()
        with server_log.open("w") as log:
            server = subprocess.Popen([sys.executable, "-m", "tongxin.cli", "runserver", f"127.0.0.1:{port}",
                                       "--noreload"], cwd=pg.ROOT, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        pg.wait_for_server(base, server)
        yield {"primary": primary, "standby": standby, "base": base, "scene": scene, "env": env,
               "server_log": server_log}
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if standby is not None:
            standby.remove()
        primary.remove()


@pytest.mark.django_db  # (also what makes pytest-django set up the test database copied)
def test_the_router_sends_routed_reads_to_the_standby_and_keeps_the_rest_on_the_primary(pair):
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=pg.ROOT, env=pair["env"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["outside"] == "default" and out["outside_is_standby"] is False
    assert out["routed"] is True and out["inside"] == "replica" and out["inside_is_standby"] is True
    assert out["session"] == "default"  # what authentication reads never lags
    assert out["in_transaction"] == "default" and out["forced_primary"] == "default"
    assert out["unsafe_request"] == [False, "default"]
    assert out["after_write"] == "default"  # read-your-writes within one block


@pytest.mark.django_db
def test_filings_replicate_routed_pages_read_the_standby_and_a_stopped_standby_fails_over(pair):
    base, scene, standby = pair["base"], pair["scene"], pair["standby"]
    filer = {"Authorization": f"Token {scene['token']}", "Accept": "application/json"}
    reader = {"Authorization": f"Token {scene['reader_token']}", "Accept": "application/json"}

    # A write: the standby refuses writes, so a 201 was written on the primary.
    status, _, body = pg.request(f"{base}/api/reports/", data=scene["body"], headers=filer)
    assert status == 201, body
    report_id = json.loads(body)["id"]
    # The filer's next read comes from the primary (pinned after its write): no lagging copy.
    before = _statements(standby.log, "reports_report")
    status, _, body = pg.request(f"{base}/api/reports/{report_id}/", headers=filer)
    assert status == 200 and json.loads(body)["id"] == report_id
    assert _statements(standby.log, "reports_report") == before
    # The write appears on the replica.
    _wait_for(lambda: standby.psql(f"SELECT count(*) FROM reports_report WHERE id = {report_id}") == "1",
              "the filing did not reach the replica")

    # Another user's list and detail read from the replica, and find the filing there.
    status, _, body = pg.request(f"{base}/api/reports/?day={scene['body']['day']}", headers=reader)
    assert status == 200 and [r["id"] for r in json.loads(body)["results"]] == [report_id], body
    status, _, body = pg.request(f"{base}/api/reports/{report_id}/", headers=reader)
    assert status == 200 and json.loads(body)["id"] == report_id
    assert _statements(standby.log, "reports_report") >= before + 2

    # The public pages read from the replica too (a missing appeal: its lookup, then the 404).
    before = _statements(standby.log, "donations_appeal")
    assert pg.request(f"{base}/public/appeals/999999/")[0] == 404
    assert _statements(standby.log, "donations_appeal") > before

    # The overview after a sign-in: pinned to the primary for PIN_SECONDS (the sign-in wrote), then
    # on the replica. The session itself is always read on the primary.
    browser, _jar = pg.sign_in(base, "hunan", PASSWORD)
    before = _statements(standby.log, "reports_assignment")
    status, _, body = pg.request(f"{base}/reports/overview/", opener=browser)
    assert status == 200, body[-2000:]
    assert _statements(standby.log, "reports_assignment") == before
    time.sleep(PIN_SECONDS + 0.2)  # the pin is a time: let it pass
    status, _, body = pg.request(f"{base}/reports/overview/", opener=browser)
    assert status == 200, body[-2000:]
    assert _statements(standby.log, "reports_assignment") > before
    assert _statements(standby.log, "django_session") == 0

    # The replica stops: routed reads fail over to the primary, with a warning in the server's log.
    standby.stop()
    status, _, body = pg.request(f"{base}/api/reports/{report_id}/", headers=reader)
    assert status == 200 and json.loads(body)["id"] == report_id
    status, _, body = pg.request(f"{base}/reports/overview/", opener=browser)
    assert status == 200
    assert "read replica unavailable" in pair["server_log"].read_text()
