"""`tongxin bench --profile small` end to end: a copy of the test database, the synthetic country, gunicorn and wrk,
and every workload's row with its floor and numbers above zero (no timing is asserted: speed is
what bench/RESULTS.md records).

The bench runs in subprocesses against a committed copy of the test database that other processes can open
(tests.pgcopy.CommittedCopy: migrated, Hunan's divisions loaded, so no migrate is run here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ci import skip_or_fail
from tests.pgcopy import CommittedCopy

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ["overview, province", "overview, city", "overview, county", "completeness, province",
             "completeness, county", "missing list, province", "missing list, county", "ledger: overdue first page",
             "ledger: statistics", "directive board", "duty board", "volunteer board", "public appeal page",
             "report submission over the API", "consolidated xlsx export", "unit registry xlsx export",
             "Excel upload of report rows"]


def _unavailable() -> str:
    if shutil.which("wrk") is None:
        return "wrk is missing (scripts/ensure-bench.sh installs it)"
    return ""


@pytest.fixture(scope="module")
def bench_database(django_db_setup, django_db_blocker, tmp_path_factory):
    """A committed copy of the (migrated, divisions loaded) test database that gunicorn can open, made
    before the test's own transaction opens (SQLite's backup would wait on it for ever)."""
    reason = _unavailable()
    if reason:
        skip_or_fail(reason)
    with django_db_blocker.unblock():
        home = tmp_path_factory.mktemp("bench")
        made = CommittedCopy(home, "tongxin_bench")
    try:
        yield made.url, home
    finally:
        made.drop()


@pytest.mark.django_db  # (also what makes pytest-django set up the test database to copy)
def test_the_small_profile_gives_every_workload_a_row_beside_its_floor(bench_database):
    url, home = bench_database
    env = {**os.environ, "TONGXIN_DATABASE_URL": url, "TONGXIN_HOME": str(home),
           "DJANGO_SETTINGS_MODULE": "tongxin.settings", "TONGXIN_FAST_HASHER": "true"}
    began = time.monotonic()
    tongxin = [sys.executable, "-m", "tongxin.cli"]
    # The copy holds the migrations' audit records: it is a scratch copy, so synth may write into it.
    # A smaller country than the small profile's: this test checks the rows, not the figures.
    built = subprocess.run([*tongxin, "synth", "--institutions", "120", "--days", "3", "--ledger", "500",
                            "--allow-audit-loss"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    out, table = home / "bench.json", home / "RESULTS.md"
    table.write_text("# Benchmark results\n\nearlier text stays\n")
    done = subprocess.run([*tongxin, "bench", "--profile", "small", "--data", "existing", "--seconds", "1",
                           "--json", str(out),
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
    for row in result["rows"]:  # every row with a target says whether it met it
        assert row["key"], row
        if row["key"].startswith(("overview/", "completeness/", "ledger-stats/", "public-appeal", "submission",
                                  "export", "upload")):
            assert row["verdict"] == "met" or row["verdict"].startswith("short: "), row
    text = table.read_text()
    assert "earlier text stays" in text and text.count("<!-- tongxin bench small: begin -->") == 1
    assert all(name in text for name in names)
    # the growth table from two results (here the same run twice): a row per read workload, in place
    grown = subprocess.run([*tongxin, "bench", "--growth", str(out), str(out), "--out", str(table)], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120)
    assert grown.returncode == 0, grown.stderr[-3000:]
    text = table.read_text()
    assert text.count("<!-- tongxin bench growth: begin -->") == 1 and "earlier text stays" in text
    growth = text.split("<!-- tongxin bench growth: begin -->")[1]
    for wanted in ("overview, province", "overview, county", "completeness, province", "missing list, county",
                   "ledger: overdue first page", "ledger: statistics", "public appeal page"):
        assert wanted in growth, (wanted, growth)
    assert "1.00×" in growth and "report submission" not in growth
    print(f"tongxin synth + bench --profile small: {time.monotonic() - began:.0f} s")
