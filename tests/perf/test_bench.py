"""`tongxin bench --profile small` end to end: a fresh database, the synthetic country, gunicorn and wrk,
and every workload's row with its floor and numbers above zero (no timing is asserted: speed is
what bench/RESULTS.md records).

The bench runs in subprocesses against a database of its own that other processes can open: a file
next to the test on SQLite, `<test database>_bench` on PostgreSQL (made and dropped here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ["overview, province", "overview, city", "overview, county", "completeness, province",
             "completeness, county", "missing list, province", "missing list, county", "ledger: overdue first page",
             "ledger: statistics", "directive board", "duty board", "volunteer board", "public appeal page",
             "report submission over the API", "consolidated xlsx export", "Excel upload of report rows"]


def _unavailable() -> str:
    try:
        import tongxin.perf.synth  # noqa: F401
    except ImportError:
        return "tongxin synth (tongxin.perf.synth) is not on this branch yet: the bench builds its data with it"
    if shutil.which("wrk") is None:
        return "wrk is missing (scripts/ensure-bench.sh installs it)"
    return ""


def _psql(db: dict, sql: str) -> None:
    import psycopg

    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def bench_database(django_db_blocker):
    """(TONGXIN_DATABASE_URL of an empty database beside the test's, where files go)."""
    reason = _unavailable()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"must not skip in CI: {reason}")
        pytest.skip(reason)
    db = settings.DATABASES["default"]
    home = Path(tempfile.mkdtemp(prefix="tongxin-bench-test-"))
    if db["ENGINE"].endswith("postgresql"):
        with django_db_blocker.unblock():
            name = f"{db['NAME']}_bench"
            _psql(db, f'DROP DATABASE IF EXISTS "{name}"')
            _psql(db, f'CREATE DATABASE "{name}"')
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        yield f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}", home
        with django_db_blocker.unblock():
            _psql(db, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{home / 'bench.sqlite3'}", home
    shutil.rmtree(home, ignore_errors=True)


def test_the_small_profile_gives_every_workload_a_row_beside_its_floor(bench_database):
    url, home = bench_database
    env = {**os.environ, "TONGXIN_DATABASE_URL": url, "TONGXIN_HOME": str(home),
           "DJANGO_SETTINGS_MODULE": "tongxin.settings", "TONGXIN_FAST_HASHER": "true"}
    began = time.monotonic()
    tongxin = [sys.executable, "-m", "tongxin.cli"]
    migrated = subprocess.run([*tongxin, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    out, table = home / "bench.json", home / "RESULTS.md"
    table.write_text("# Benchmark results\n\nearlier text stays\n")
    done = subprocess.run([*tongxin, "bench", "--profile", "small", "--seconds", "1", "--json", str(out),
                           "--out", str(table)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    result = json.loads(out.read_text())
    names = [row["workload"] for row in result["rows"]]
    for wanted in WORKLOADS:
        assert any(name.startswith(wanted) for name in names), (wanted, names)
    for row in result["rows"]:
        measured, floor = row["measured"], row["floor"]
        assert row["floor_label"] and row["ratio"] > 0, row
        if row["unit"] == "req/s":
            assert measured["rate"] > 0 and measured["p50_ms"] > 0 and measured["p95_ms"] > 0, row
            assert floor["rate"] > 0 and floor["p50_ms"] > 0 and floor["failed"] == 0, row
        else:
            assert measured["seconds"] > 0 and floor["seconds"] > 0, row
    assert result["machine"]["cores"] >= 1 and result["machine"]["memory_mb"] > 0 and result["database"]
    text = table.read_text()
    assert "earlier text stays" in text and text.count("<!-- tongxin bench: begin -->") == 1
    assert all(name in text for name in names)
    print(f"tongxin bench --profile small: {time.monotonic() - began:.0f} s (migrate included)")
