"""The unit registry export at scale: above TONGXIN_EXPORT_BACKGROUND_ROWS it is a background export
(core.exports) with a progress page and a download for its owner alone; the file is the one the direct
download gives; the number of queries does not grow with the rows."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.core import exports
from tongxin.core.models import AuditEvent, BackgroundExport
from tongxin.units import excel, scope, services
from tongxin.units.jobs import REGISTRY_EXPORT
from tongxin.units.models import Kind, Membership, Role, Unit


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))["单位名录"]


def _rows(content: bytes) -> list[tuple]:
    return list(_sheet(content).iter_rows(min_row=2, values_only=True))  # the header row and the units


def _direct(client, query=None) -> bytes:
    response = client.get(reverse("units:export"), query or {})
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content)


@pytest.fixture
def background(settings, django_capture_on_commit_callbacks):
    """ask(client, query): the export asked for with every export large, its job run as after commit
    (inline: no broker); returns the answer and the export."""
    settings.TONGXIN_CELERY_BROKER_URL = ""

    def ask(client, query=None):
        settings.TONGXIN_EXPORT_BACKGROUND_ROWS = 0
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("units:export"), query or {})
        settings.TONGXIN_EXPORT_BACKGROUND_ROWS = 5000
        export = BackgroundExport.objects.order_by("-pk").first()
        return response, export

    return ask


def _download(client, export) -> bytes:
    response = client.get(reverse("exports:download", args=[export.token]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_registry_at_the_threshold_is_still_downloaded_at_once(world, client_for, settings):
    settings.TONGXIN_EXPORT_BACKGROUND_ROWS = 3  # 南县 sees its bureau and two homes: not more than that
    response = client_for(world.nanxian).get(reverse("units:export"))
    assert response.status_code == 200 and response.streaming
    assert not BackgroundExport.objects.exists()


def test_a_large_registry_is_written_by_a_job_behind_a_progress_page(world, client_for, background):
    client = client_for(world.nanxian)
    response, export = background(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:progress", args=[export.token])
    assert export.kind == REGISTRY_EXPORT and export.owner_id == world.nanxian.pk
    export.refresh_from_db()
    assert export.state == BackgroundExport.State.DONE and export.rows_done == export.rows_total == 3
    progress = client.get(response["Location"]).content.decode()
    assert "单位名录" in progress and reverse("exports:download", args=[export.token]) in progress
    assert export.filename.startswith("单位名录-") and export.filename.endswith(".xlsx")


def test_the_background_file_is_the_direct_download(world, client_for, background):
    client = client_for(world.nanxian)
    direct = _direct(client)
    _response, export = background(client)
    written = _download(client, export)
    assert _rows(written) == _rows(direct)
    assert tuple(_rows(written)[0]) == excel.HEADERS
    sheet = _sheet(written)
    assert "单位名录" in sheet["A1"].value and sheet.freeze_panes == "A3"
    assert {r[0] for r in _rows(written)[1:]} == {"南县民政局", "南县福利院", "南县南洲镇敬老院"}


def test_the_background_export_keeps_the_scope_and_the_list_filter(world, client_for, background):
    client = client_for(world.hunan)
    query = {"region": "430821", "kind": "elderly_care"}
    _response, export = background(client, query)
    rows = _rows(_download(client, export))[1:]
    assert [r[0] for r in rows] == ["慈利县零阳镇敬老院"]
    assert rows == _rows(_direct(client, query))[1:]


def test_an_export_is_audited_when_asked_for_with_its_background_token(world, client_for, background):
    _response, export = background(client_for(world.nanxian), {"kind": "elderly_care"})
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor_id=world.nanxian.pk)
    assert event.changes["background"] == export.token and event.changes["rows"] == 2
    assert event.changes["filters"] == {"kind": "elderly_care"}


@pytest.mark.parametrize("name", ["exports:progress", "exports:status", "exports:download"])
@pytest.mark.parametrize("stranger", ["cili", "hunan", "sysadmin"])
def test_another_users_registry_export_is_404(world, client_for, background, name, stranger):
    _response, export = background(client_for(world.nanxian))
    response = client_for(getattr(world, stranger)).get(reverse(name, args=[export.token]))
    assert response.status_code == 404
    assert "单位名录" not in response.content.decode()


def test_the_file_is_refused_once_the_owner_no_longer_covers_what_it_holds(world, client_for, background):
    client = client_for(world.nanxian)
    _response, export = background(client)
    assert export.params["covers"]["prefixes"] == ["430921"]
    services.revoke_role(None, Membership.objects.get(user=world.nanxian, unit=world.nanxian_bureau))
    assert client.get(reverse("exports:download", args=[export.token])).status_code == 404


def test_a_registry_export_a_region_filter_no_longer_allows_is_404(world, client_for, background):
    # 湖南's officer exports 慈利; then sits only at 南县's bureau: the file named 慈利 is not handed out.
    client = client_for(world.hunan)
    _response, export = background(client, {"region": "430821"})
    services.grant_role(None, world.hunan, world.nanxian_bureau, Role.OFFICER)
    services.revoke_role(None, Membership.objects.get(user=world.hunan, unit=world.province))
    assert client.get(reverse("exports:download", args=[export.token])).status_code == 404


def test_the_home_reporter_keeps_their_file_while_they_sit_at_the_home(world, client_for, background):
    client = client_for(world.home_reporter)
    _response, export = background(client)
    assert export.params["covers"] == {"prefixes": [], "units": [world.nanxian_home.pk]}
    assert [r[0] for r in _rows(_download(client, export))[1:]] == ["南县福利院"]


def _more_homes(count: int) -> None:
    for i in range(count):
        services.create_unit(None, name=f"南县测试养老院{i:03}", kind=Kind.ELDERLY_CARE, region_id="430921",
                             contact_person="张三", phone="0737-5221234", address=f"南洲镇{i}号", beds=i)


def _queries_of_direct(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        _direct(client)
    return len(queries)


def test_the_direct_download_reads_no_more_queries_for_more_rows(world, client_for):
    client = client_for(world.hunan)
    _direct(client)  # the session and the scope cached once, as on any later request
    few = _queries_of_direct(client)
    _more_homes(40)
    assert _queries_of_direct(client) == few


def test_the_job_reads_no_more_queries_for_more_rows(world):
    def job_queries() -> int:
        export = exports.start(world.hunan, REGISTRY_EXPORT, {
            "query": {}, "at": "2021-08-02T09:00:00+08:00", "covers": scope.footprint(world.hunan, scope.REGISTRY)},
            title="单位名录", filename="单位名录.xlsx", rows=0)
        with CaptureQueriesContext(connection) as queries:
            assert exports.write(export.pk) == f"{Unit.objects.count()} rows"
        return len(queries)

    few = job_queries()
    _more_homes(40)
    assert job_queries() == few
