"""A server process killed during an Excel upload leaves nothing half-imported (issue #12, faults).

The import runs in a real subprocess against a committed copy of the test database (SQLite: the
test database backed up to a file; PostgreSQL: a database created from the test database as its
template, dropped afterwards). The subprocess's script (below, test code only) pauses inside the
import's transaction after HALFWAY rows were saved, waiting on its stdin; the test checks that the
subprocess's transaction holds its locks (SQLite: the write lock; PostgreSQL: an open transaction
with a transaction id, so it has written), sends SIGKILL, and then finds none of the workbook's
units. A second run of the same workbook, without the pause, imports every row.

Without the import's single transaction (`core.xlsx.pipeline._save`) the first HALFWAY units would
survive the kill and the first assertion would fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.pgcopy import CommittedCopy
from tongxin.units.excel import HEADERS
from tongxin.units.models import Unit

ROOT = Path(__file__).resolve().parents[2]
ROWS = 120
HALFWAY = 60
PREFIX = "断电测试养老院"

# Runs in the subprocess: an officer of 南县 (created, committed, on the first run) imports the
# workbook. With TONGXIN_TEST_PAUSE_AFTER=N it prints PAUSED after the N-th unit is saved and waits
# on stdin, inside the import's transaction, until it is killed.
SCRIPT = r"""
import json, os, sys
import django
django.setup()
from tongxin.accounts.models import User
from tongxin.accounts.services import create_user
from tongxin.units import excel, services
from tongxin.units.models import Kind, Role

user = User.objects.filter(username="importer").first()
if user is None:
    bureau = services.create_unit(None, name="南县民政局", kind=Kind.BUREAU, region_id="430921")
    user = create_user(None, username="importer", password="Tongxin#2021", check_password=False)
    services.grant_role(None, user, bureau, Role.OFFICER)
pause = int(os.environ.get("TONGXIN_TEST_PAUSE_AFTER") or 0)
if pause:
    create_unit, saved = services.create_unit, []

    def paused(*args, **kwargs):
        unit = create_unit(*args, **kwargs)
        saved.append(unit.pk)
        if len(saved) == pause:
            print("PAUSED", flush=True)
            sys.stdin.readline()
        return unit

    services.create_unit = paused
print("IMPORTING", flush=True)
with open(sys.argv[1], "rb") as f:
    result = excel.import_units(user, f, filename="units.xlsx")
print(json.dumps({"errors": [str(e) for e in result.errors], "created": result.counts["created"]}), flush=True)
"""


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位名录"
    ws.append(["单位名录"])
    ws.append(list(HEADERS))
    for i in range(ROWS):
        values = {"单位名称": f"{PREFIX}{i:04d}", "单位类型": "养老机构", "区划代码": "430921", "床位数": 10 + i}
        ws.append([values.get(h) for h in HEADERS])
    wb.save(path)


def _start(url: str, workbook: Path, pause: int) -> subprocess.Popen:
    env = {**os.environ, "TONGXIN_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tongxin.settings",
           "TONGXIN_HOME": str(ROOT), "TONGXIN_TEST_PAUSE_AFTER": str(pause)}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(workbook)], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def copy(django_db_setup, django_db_blocker, tmp_path_factory):
    """Made before the test's own transaction opens (a PostgreSQL template must have no session)."""
    with django_db_blocker.unblock():
        made = CommittedCopy(tmp_path_factory.mktemp("killed"), "tongxin_killed")
    try:
        yield made
    finally:
        made.drop()


@pytest.mark.django_db  # (also what makes pytest-django set up the test database to copy)
def test_a_process_killed_during_an_excel_import_leaves_nothing_half_imported(copy, tmp_path):
    workbook = tmp_path / "units.xlsx"
    _workbook(workbook)
    count = f"SELECT count(*) FROM {Unit._meta.db_table} WHERE name LIKE '{PREFIX}%'"
    proc = None
    try:
        proc = _start(copy.url, workbook, HALFWAY)
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # blocks until the subprocess is inside the import's transaction
            lines.append(line)
            if line.strip() == "PAUSED":
                break
        else:
            pytest.fail(f"the import never paused: {lines} {proc.wait(30)} {proc.stderr.read()}")
        assert "IMPORTING\n" in lines
        assert copy.writer_holds_locks()
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()

        assert copy.query(count) == [(0,)]
        assert not copy.writer_holds_locks()

        rerun = _start(copy.url, workbook, 0)
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err
        assert json.loads(out.splitlines()[-1]) == {"errors": [], "created": ROWS}
        assert copy.query(count) == [(ROWS,)]
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(30)
