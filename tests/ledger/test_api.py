"""The ledger API: the whole life of an entry, refused moves, who verifies, evidence uploads, scope,
the filters with overdue, 立查立改 and the schema."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.ledger.conftest import FOUND
from tongxin.core.models import Attachment
from tongxin.ledger import services
from tongxin.ledger.models import LedgerEntry, Status, Transition

LEDGER = reverse("ledger-entry-list")
ATTACHMENTS = reverse("attachment-list")


def jpeg(name: str = "fix.jpg") -> SimpleUploadedFile:
    """A photo as a phone would send it, made in memory."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def upload(client, unit, file=None):
    return client.post(ATTACHMENTS, {"file": file or jpeg(), "unit": unit.pk}, format="multipart")


def move(client, entry, name, **body):
    return client.post(reverse("ledger-entry-transition", args=[entry.pk]), {"name": name, **body}, format="json")


def new_entry(world, **values):
    body = {"unit": world.nanxian_home.pk, "source": "supervision", "category": "fire", "severity": "major",
            "description": "疏散通道堆放杂物", "required_measure": "清理通道", "responsible_person": "李敏",
            "responsible_phone": "13807371234", "found_on": "2021-08-01", "deadline": "2021-08-08"}
    return {**body, **values}


# --- the life of an entry ------------------------------------------------------------------------

def test_the_whole_life_of_an_entry_through_the_api(world, api_for, second_officer):
    officer = api_for(world.nanxian)
    opened = officer.post(LEDGER, new_entry(world), format="json")
    assert opened.status_code == 201, opened.json()
    assert opened.json()["number"] == "430921-2021-0001" and opened.json()["status"] == "open"
    entry = LedgerEntry.objects.get(pk=opened.json()["id"])

    assert move(officer, entry, "start", comment="已安排清理").status_code == 200
    photo = upload(officer, world.nanxian_home)
    assert photo.status_code == 201, photo.json()
    assert photo.json()["content_type"] == "image/jpeg" and photo.json()["size"] > 0
    fixed = move(officer, entry, "submit_fix", comment="已清理", attachment_ids=[photo.json()["id"]])
    assert fixed.status_code == 200 and fixed.json()["status"] == "awaiting"

    closed = move(api_for(second_officer), entry, "close", comment="复查合格")
    assert closed.status_code == 200, closed.json()
    body = closed.json()
    assert body["status"] == "closed" and body["closed_by"] == "nanxian-2" and body["fixed_by"] == "nanxian"
    assert body["overdue"] is False and body["allowed_transitions"] == []
    assert [t["name"] for t in body["transitions"]] == ["open", "start", "submit_fix", "close"]
    (evidence,) = body["transitions"][2]["attachments"]
    assert evidence["id"] == photo.json()["id"]


@pytest.mark.parametrize(("name", "extra"), [("close", {}), ("return", {"comment": "不合格"}), ("submit_fix", None)])
def test_a_move_not_allowed_from_the_state_is_400_naming_status(world, entry, api_for, name, extra):
    client = api_for(world.nanxian)
    if extra is None:
        extra = {"attachment_ids": [upload(client, world.nanxian_home).json()["id"]]}
    response = move(client, entry, name, **extra)
    assert response.status_code == 400 and "status" in response.json()
    entry.refresh_from_db()
    assert entry.status == Status.OPEN and entry.transitions.count() == 1


def test_a_closed_entry_cannot_be_started_again(world, photo, api_for):
    done = services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="supervision", category="fire",
                                severity="general", description="灭火器压力不足", found_on=FOUND,
                                attachments=[photo()])
    response = move(api_for(world.nanxian), done, "start")
    assert response.status_code == 400 and "status" in response.json()


def test_an_unknown_move_is_400_naming_name(world, entry, api_for):
    response = move(api_for(world.nanxian), entry, "fix_on_spot")
    assert response.status_code == 400 and "name" in response.json()


def test_whoever_fixed_it_closing_it_is_403(world, entry, api_for):
    client = api_for(world.nanxian)
    move(client, entry, "start")
    move(client, entry, "submit_fix", attachment_ids=[upload(client, world.nanxian_home).json()["id"]])
    response = move(client, entry, "close")
    assert response.status_code == 403 and response.json()["detail"]
    entry.refresh_from_db()
    assert entry.status == Status.AWAITING


def test_submitting_a_fix_without_evidence_names_attachment_ids(world, entry, api_for):
    client = api_for(world.nanxian)
    move(client, entry, "start")
    response = move(client, entry, "submit_fix", comment="已清理")
    assert response.status_code == 400 and "attachment_ids" in response.json()
    entry.refresh_from_db()
    assert entry.status == Status.RECTIFYING


def test_evidence_must_be_the_callers_own_upload_for_that_unit(world, entry, api_for):
    reporters = upload(api_for(world.home_reporter), world.nanxian_home).json()["id"]
    other_home = upload(api_for(world.nanxian), world.nanxian_home_2).json()["id"]
    client = api_for(world.nanxian)
    move(client, entry, "start")
    for attachment_id in (reporters, other_home, 999999):
        response = move(client, entry, "submit_fix", attachment_ids=[attachment_id])
        assert response.status_code == 400 and "attachment_ids" in response.json()
    entry.refresh_from_db()
    assert entry.status == Status.RECTIFYING


def test_returning_without_a_reason_names_comment(world, entry, api_for, second_officer):
    client = api_for(world.home_reporter)
    move(client, entry, "start")
    move(client, entry, "submit_fix", attachment_ids=[upload(client, world.nanxian_home).json()["id"]])
    response = move(api_for(second_officer), entry, "return", comment=" ")
    assert response.status_code == 400 and "comment" in response.json()


def test_a_deadline_before_the_finding_is_400_naming_deadline(world, api_for):
    response = api_for(world.nanxian).post(LEDGER, new_entry(world, deadline="2021-07-31"), format="json")
    assert response.status_code == 400 and "deadline" in response.json()
    assert not LedgerEntry.objects.exists()


def test_fixed_on_the_spot_is_closed_at_once_with_its_evidence(world, api_for):
    client = api_for(world.nanxian)
    photo = upload(client, world.nanxian_home).json()["id"]
    body = new_entry(world, attachment_ids=[photo], comment="当场清理")
    del body["deadline"]
    response = client.post(reverse("ledger-entry-fix-on-spot"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "closed" and response.json()["fixed_on_spot"] is True
    assert [t["name"] for t in response.json()["transitions"]] == ["open", "fix_on_spot"]


def test_fixed_on_the_spot_without_evidence_names_attachment_ids(world, api_for):
    body = new_entry(world)
    del body["deadline"]
    response = api_for(world.nanxian).post(reverse("ledger-entry-fix-on-spot"), body, format="json")
    assert response.status_code == 400 and "attachment_ids" in response.json()
    assert not LedgerEntry.objects.exists()


# --- scope ---------------------------------------------------------------------------------------

def test_a_stranger_county_gets_404_on_a_nanxian_entry_its_move_and_its_photo(world, entry, api_for):
    photo = upload(api_for(world.nanxian), world.nanxian_home).json()["id"]
    stranger = api_for(world.cili)
    assert stranger.get(reverse("ledger-entry-detail", args=[entry.pk])).status_code == 404
    assert move(stranger, entry, "start").status_code == 404
    assert stranger.get(reverse("attachment-detail", args=[photo])).status_code == 404
    assert stranger.get(reverse("attachment-file", args=[photo])).status_code == 404
    assert stranger.get(LEDGER).json()["count"] == 0
    entry.refresh_from_db()
    assert entry.status == Status.OPEN and Transition.objects.filter(entry=entry).count() == 1


def test_a_stranger_cannot_open_an_entry_for_a_nanxian_home(world, api_for):
    response = api_for(world.cili).post(LEDGER, new_entry(world), format="json")
    assert response.status_code == 404
    assert not LedgerEntry.objects.exists()


def test_an_upload_for_another_countys_unit_is_404_and_stores_nothing(world, api_for):
    response = upload(api_for(world.nanxian), world.cili_home)
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_a_reporter_uploads_for_own_home_only(world, api_for):
    client = api_for(world.home_reporter)
    assert upload(client, world.nanxian_home).status_code == 201
    assert upload(client, world.nanxian_home_2).status_code == 404


def test_an_auditor_sees_no_unit_to_upload_for(world, api_for):
    response = upload(api_for(world.auditor), world.nanxian_home)
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_a_pdf_is_served_as_a_sandboxed_download_and_one_with_javascript_is_refused(world, api_for):
    client = api_for(world.nanxian)
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    created = upload(client, world.nanxian_home, SimpleUploadedFile("r.pdf", pdf, "application/pdf"))
    assert created.status_code == 201, created.content
    served = client.get(reverse("attachment-file", args=[created.json()["id"]]))
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment; ")
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert served["X-Content-Type-Options"] == "nosniff"

    scripted = pdf.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    refused = upload(client, world.nanxian_home, SimpleUploadedFile("r.pdf", scripted, "application/pdf"))
    assert refused.status_code == 400 and "脚本" in refused.json()["file"][0]


def test_a_file_that_is_not_an_image_is_400_naming_file(world, api_for):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a program", content_type="image/jpeg")
    response = upload(api_for(world.nanxian), world.nanxian_home, fake)
    assert response.status_code == 400 and "file" in response.json()
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_is_400_naming_file(world, api_for):
    response = api_for(world.nanxian).post(ATTACHMENTS, {"unit": world.nanxian_home.pk}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_the_province_reads_a_nanxian_photo_and_its_thumbnail(world, api_for):
    photo = upload(api_for(world.home_reporter), world.nanxian_home).json()
    province = api_for(world.hunan)
    meta = province.get(reverse("attachment-detail", args=[photo["id"]]))
    assert meta.status_code == 200 and meta.json()["unit"] == world.nanxian_home.pk
    file = province.get(meta.json()["url"])
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"
    assert b"".join(file.streaming_content)[:3] == b"\xff\xd8\xff"
    assert province.get(meta.json()["thumbnail_url"]).status_code == 200


# --- the list ------------------------------------------------------------------------------------

def test_overdue_filter_shows_only_entries_past_their_deadline_and_not_closed(world, entry, photo, api_for):
    today = timezone.localdate()
    in_time = services.open_entry(world.nanxian, unit=world.nanxian_home_2, source="other", category="gas",
                                  severity="general", description="燃气报警器待检", found_on=today,
                                  deadline=today + dt.timedelta(days=10))
    closed = services.fix_on_spot(world.nanxian, unit=world.nanxian_home, source="supervision", category="fire",
                                  severity="general", description="灭火器压力不足", found_on=FOUND,
                                  attachments=[photo()])
    client = api_for(world.nanxian)
    rows = {r["number"]: r["overdue"] for r in client.get(LEDGER).json()["results"]}
    assert rows == {entry.number: True, in_time.number: False, closed.number: False}
    overdue = client.get(LEDGER, {"overdue": "true"}).json()["results"]
    assert [r["number"] for r in overdue] == [entry.number]


def test_the_list_filters_by_region_subtree_status_and_unit(world, entry, api_for):
    cili = services.open_entry(world.cili, unit=world.cili_home, source="other", category="food",
                               severity="general", description="留样不全", found_on=FOUND, deadline=FOUND)
    client = api_for(world.hunan)

    def numbers(**params):
        return {r["number"] for r in client.get(LEDGER, params).json()["results"]}

    assert numbers() == {entry.number, cili.number}
    assert numbers(region="430900") == {entry.number}
    assert numbers(region="430800", category="food") == {cili.number}
    assert numbers(status="closed") == set() and numbers(status="unclosed") == {entry.number, cili.number}
    assert numbers(q="留样") == numbers(q=cili.number) == {cili.number}
    assert numbers(unit=world.cili_home.pk, severity="general") == {cili.number}


@pytest.mark.parametrize("params", [{"region": "999999"}, {"status": "done"}, {"unit": "x"}])
def test_a_bad_filter_is_400_naming_it(world, api_for, params):
    response = api_for(world.hunan).get(LEDGER, params)
    assert response.status_code == 400 and set(params) <= response.json().keys()


def test_the_list_costs_the_same_queries_for_two_entries_or_seven(world, photo, api_for):
    client = api_for(world.hunan)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LEDGER).status_code == 200
        return len(captured.captured_queries)

    def add(n, user, unit):
        for _i in range(n):
            services.open_entry(user, unit=unit, source="other", category="gas", severity="general", description="x",
                                found_on=FOUND, deadline=FOUND, attachments=[photo(user, unit)])

    add(2, world.nanxian, world.nanxian_home)
    client.get(LEDGER)
    two = queries_for_list()
    add(5, world.cili, world.cili_home)
    assert queries_for_list() == two


def test_anonymous_calls_are_401(world, entry, client):
    assert client.get(LEDGER).status_code == 401
    assert client.post(ATTACHMENTS, {}).status_code == 401


def test_the_schema_lists_every_ledger_path(world, client_for):
    text = client_for(world.nanxian).get("/api/schema/").content.decode()
    for path in ["/api/ledger/", "/api/ledger/{id}/", "/api/ledger/{id}/transition/", "/api/ledger/fix-on-spot/",
                 "/api/attachments/", "/api/attachments/{id}/", "/api/attachments/{id}/file/"]:
        assert f"{path}:" in text, path
    assert "LedgerStatusEnum" in text
