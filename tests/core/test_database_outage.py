"""A real PostgreSQL outage (issue #12, faults): a report filed while the database is down answers 503
(JSON in the API, a page elsewhere), and the same filing retried with the same Idempotency-Key once
the database is back files once and then replays.

The test starts a throwaway PostgreSQL cluster on a spare port (tests/pgcluster.py: initdb and pg_ctl, run
as the postgres user), copies the test database's schema and divisions into it (pg_dump | psql), builds the story's
world there in a subprocess, and runs `tongxin runserver` against it in another; it then stops and
starts the cluster under that server and makes plain HTTP requests. PostgreSQL only: skipped with a
reason elsewhere or without the binaries, but never skipped when CI=true on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests.pgcluster import (
    ROOT,
    SETUP,
    Cluster,
    environment,
    free_port,
    sign_in,
    skip_or_fail,
    unavailable,
    wait_for_server,
)
from tests.pgcluster import request as _request
from tests.world import PASSWORD


@pytest.fixture(scope="module")
def outage(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reason = unavailable()
        test_db = settings.DATABASES["default"]
    if reason:
        skip_or_fail(reason)
    cluster, server = Cluster(), None
    try:
        cluster.load_test_schema(test_db)
        made = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=environment(cluster.url),
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr[-3000:]
        scene = json.loads(made.stdout.splitlines()[-1])
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "tongxin.cli", "runserver", f"127.0.0.1:{port}",
                                   "--noreload"], cwd=ROOT, env=environment(cluster.url),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_for_server(base, server)
        yield cluster, base, scene
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        cluster.remove()


@pytest.mark.django_db  # (also what makes pytest-django set up the test database copied)
def test_a_filing_during_an_outage_is_a_503_and_its_retry_with_the_same_key_files_once(outage):
    cluster, base, scene = outage
    browser, _jar = sign_in(base, "nanxian", PASSWORD)
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
