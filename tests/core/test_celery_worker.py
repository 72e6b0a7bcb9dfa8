"""A real Celery worker runs the jobs the app enqueues (issue #13, "beyond one machine").

The test points this process and a `celery -A tongxin worker --pool=solo` subprocess at the same committed
copy of the test database (tests.pgcopy.CommittedCopy: SQLite, the test database
backed up to a file; PostgreSQL, a database made from it as a template) and at the Redis on this machine
(db 11, a queue of the test's own). The officer asks for
the consolidated table by unit with the background threshold at 0: the page answers with the progress page
at once, the worker writes the workbook (its log says so), and this process then sees the export DONE and
downloads the file. Without a broker the same request runs the same job inline, after commit.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import openpyxl
import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.ci import skip_or_fail
from tests.pgcopy import CommittedCopy
from tests.reports.conftest import at, good_values
from tests.world import build_world
from tongxin.core.models import BackgroundExport
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.units.models import Kind

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/11"
DAY = dt.date(2021, 8, 2)


def _redis_down() -> str:
    try:
        import redis

        redis.Redis.from_url(BROKER, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no Redis to test against
        return f"no Redis at {BROKER}: {exc}"
    return ""


@pytest.fixture(scope="module")
def copy(django_db_setup, django_db_blocker, tmp_path_factory):
    """Made before the test's own transaction opens (a PostgreSQL template must have no session)."""
    with django_db_blocker.unblock():
        made = CommittedCopy(tmp_path_factory.mktemp("celery"), "tongxin_celery")
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture
def shared_db(copy):
    """This process's default connection moved onto the committed copy, which the worker opens too (in
    autocommit, as a server runs); the test database's own connection, in its test transaction, put back
    afterwards."""
    original = connections["default"]
    moved = type(original)({**original.settings_dict, "NAME": str(copy.path) if copy.vendor == "sqlite"
                            else copy.name}, "default")
    connections["default"] = moved
    try:
        yield copy
    finally:
        moved.close()
        connections["default"] = original


def _story():
    """南县's two homes on the daily report on DAY: one filed on time, one late; 慈利's home missing."""
    world = build_world()
    (version,) = services.load_builtin_forms()
    daily = services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=dt.time(10, 0), start_date=DAY, end_date=DAY,
        unit_kinds=[Kind.ELDERLY_CARE])
    services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(), now=at(DAY, 9, 0))
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=DAY,
                           values=good_values(residents_in_care=80), now=at(DAY, 11, 20))
    return world, daily


def _ask(world, daily) -> tuple[Client, BackgroundExport]:
    client = Client()
    client.force_login(world.hunan)
    response = client.get(reverse("reports:export-units", args=["xlsx"]),
                          {"assignment": daily.pk, "day": DAY.isoformat(), "region": "430000"})
    assert response.status_code == 302, response.content[:300]
    export = BackgroundExport.objects.get(owner=world.hunan)
    assert response["Location"] == reverse("exports:progress", args=[export.token])
    return client, export


def _names(client: Client, export: BackgroundExport) -> dict[str, str]:
    response = client.get(reverse("exports:download", args=[export.token]))
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return {row[0]: row[2] for row in ws.iter_rows(min_row=3, values_only=True)}


STORY = {"南县福利院": "按时", "南县南洲镇敬老院": "迟报", "慈利县零阳镇敬老院": "未报"}


@pytest.mark.django_db  # (also what makes pytest-django set up the test database to copy)
def test_a_job_the_app_enqueues_runs_on_a_real_worker_and_its_result_is_seen_by_the_app(shared_db, settings):
    problem = _redis_down()
    if problem:
        skip_or_fail(problem)
    import redis

    queue = f"tongxin-test-{uuid.uuid4().hex[:8]}"
    settings.TONGXIN_CELERY_BROKER_URL, settings.TONGXIN_CELERY_QUEUE = BROKER, queue
    settings.TONGXIN_EXPORT_BACKGROUND_ROWS = 0
    env = {**os.environ, "TONGXIN_DATABASE_URL": shared_db.url, "TONGXIN_CELERY_BROKER_URL": BROKER,
           "TONGXIN_CELERY_QUEUE": queue, "TONGXIN_MEDIA_ROOT": str(settings.MEDIA_ROOT), "TONGXIN_HOME": str(ROOT),
           "DJANGO_SETTINGS_MODULE": "tongxin.settings", "TONGXIN_LOG_LEVEL": "INFO"}
    log = Path(settings.MEDIA_ROOT) / f"{queue}.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tongxin", "worker", "--pool=solo", "-Q", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        world, daily = _story()  # while the worker starts
        client, export = _ask(world, daily)
        assert export.state == BackgroundExport.State.QUEUED  # not run in the request: sent to the queue
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and worker.poll() is None:
            export.refresh_from_db()
            if export.state in (BackgroundExport.State.DONE, BackgroundExport.State.FAILED):
                break
            time.sleep(0.2)
        text = log.read_text(errors="replace")
        assert export.state == BackgroundExport.State.DONE, text[-3000:]
        assert "job core.export started" in text and "job core.export done: 3 rows" in text
        assert export.rows_done == export.rows_total == 3
        progress = client.get(reverse("exports:progress", args=[export.token])).content.decode()
        assert reverse("exports:download", args=[export.token]) in progress
        assert _names(client, export) == STORY
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
        redis.Redis.from_url(BROKER).delete(queue)


def test_without_a_broker_the_same_job_runs_inline_after_commit(db, settings, django_capture_on_commit_callbacks):
    settings.TONGXIN_CELERY_BROKER_URL = ""
    settings.TONGXIN_EXPORT_BACKGROUND_ROWS = 0
    world, daily = _story()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client, export = _ask(world, daily)
        assert export.state == BackgroundExport.State.QUEUED  # not before the request's transaction commits
    assert len(callbacks) == 1
    export.refresh_from_db()
    assert export.state == BackgroundExport.State.DONE and export.rows_done == 3
    assert _names(client, export) == STORY
