"""Pages and API of the records part: review (one by one and ticked together), correction,
activity reports with photos, certificates and the public verification page."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.mobilization import factories as f
from tongxin.mobilization.models import ActivityReport, Certificate, RecordStatus, ServiceRecord
from tongxin.mobilization.services import records as services

pytestmark = pytest.mark.django_db
_posts = itertools.count(1)


def draft(world, day="2021-07-30", person=None, hours="4.00"):
    person = person or f.person(world.leshan, "王志远")
    post = f.post(world.leshan, f"零阳镇卡点{next(_posts)}")
    return services.draft_for(f.attendance(f.assignment(f.shift(post, day), person), hours=hours))


def certificate(world):
    person = f.person(world.leshan, "王志远", id_number="430821199001011235")
    for day in ("2021-07-30", "2021-07-31"):
        services.finalise(world.leshan_staff, draft(world, day, person), at=f.at("2021-08-02"))
    return services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9))


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
    return SimpleUploadedFile("meals.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- review --------------------------------------------------------------------------------------

def test_review_list_flags_overdue_records(world, client_for):
    draft(world, "2021-07-30")
    page = client_for(world.leshan_staff).get(reverse("mobilization:records"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "王志远" in body and "data-overdue" in body  # it is long past 2021-08-13 now


def test_ticked_records_are_confirmed_all_or_none(world, client_for):
    a, b = draft(world, "2021-07-30"), draft(world, "2021-07-31")
    client = client_for(world.leshan_staff)
    refused = client.post(reverse("mobilization:records"), {"ids": [a.pk, b.pk]})
    assert refused.status_code == 400 and "补录原因" in refused.content.decode()
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {RecordStatus.DRAFT}
    done = client.post(reverse("mobilization:records"), {"ids": [a.pk, b.pk], "late_reason": "签到表晚交"})
    assert done.status_code == 302
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {RecordStatus.FINAL}


def test_record_page_corrects_with_a_reason_and_shows_the_history(world, client_for):
    record = services.finalise(world.leshan_staff, draft(world), at=f.at("2021-08-02"))
    client = client_for(world.leshan_staff)
    url = reverse("mobilization:record-correct", args=[record.pk])
    assert client.post(url, {"reason": "", "hours": "3"}).status_code == 400
    response = client.post(url, {"reason": "签退时间记错", "hours": "3.00"})
    new = ServiceRecord.objects.get(corrects=record)
    assert response.status_code == 302 and response.url == reverse("mobilization:record-detail", args=[new.pk])
    page = client.get(response.url).content.decode()
    assert "签退时间记错" in page and f'data-version="{record.pk}"' in page and f'data-version="{new.pk}"' in page


def test_stranger_county_gets_404_on_a_record(world, client_for):
    record = draft(world)
    assert client_for(world.nanxian).get(reverse("mobilization:record-detail", args=[record.pk])).status_code == 404


# --- activity reports ----------------------------------------------------------------------------

def test_activity_report_with_photos_from_the_form(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(world.leshan_staff)
    assert client.get(reverse("mobilization:activity-create")).status_code == 200
    response = client.post(reverse("mobilization:activity-create"), {
        "unit": world.leshan.pk, "day": "2021-07-30", "title": "为防疫一线送餐", "content": "送餐",
        "volunteers": "12", "social_workers": "3", "quantity": "2217", "measure": "份", "files": [photo()]})
    assert response.status_code == 302
    report = ActivityReport.objects.get()
    assert report.people == 15 and report.attachments.count() == 1
    assert "为防疫一线送餐" in client.get(response.url).content.decode()


def test_activity_report_for_a_future_day_is_refused_with_words(world, client_for):
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = client_for(world.leshan_staff).post(reverse("mobilization:activity-create"), {
        "unit": world.leshan.pk, "day": tomorrow, "title": "x", "content": "x", "volunteers": "1"})
    assert response.status_code == 400 and "活动日期不能晚于今天" in response.content.decode()
    assert not ActivityReport.objects.exists()


# --- certificates and verification ---------------------------------------------------------------

def test_certificate_issued_from_the_form_and_downloaded(world, client_for):
    person = f.person(world.leshan, "李明", id_number="430821199001011235")
    services.finalise(world.leshan_staff, draft(world, "2021-07-30", person), at=f.at("2021-08-02"))
    client = client_for(world.leshan_staff)
    response = client.post(reverse("mobilization:certificate-create"),
                           {"person": person.pk, "period_from": "2021-07-30", "period_until": "2021-08-09"})
    cert = Certificate.objects.get()
    assert response.status_code == 302 and cert.hours == Decimal("4.00")
    page = client.get(response.url).content.decode()
    assert services.grouped(cert.code) in page and "4308**********1235" not in page  # leshan staff: full ID
    pdf = client.get(reverse("mobilization:certificate-pdf", args=[cert.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_reversed_period_is_refused_on_the_form(world, client_for):
    person = f.person(world.leshan, "李明")
    response = client_for(world.leshan_staff).post(reverse("mobilization:certificate-create"), {
        "person": person.pk, "period_from": "2021-08-09", "period_until": "2021-07-30"})
    assert response.status_code == 400 and "截止日期不能早于起始日期" in response.content.decode()


def test_public_verification_shows_the_masked_name_only(world):
    cert = certificate(world)
    anonymous = Client()
    page = anonymous.get(reverse("mobilization:verify-code", args=[cert.code]))
    body = page.content.decode()
    assert page.status_code == 200 and "王*远" in body and "王志远" not in body
    assert "8.00" in body and "慈利县乐善社会工作服务中心" in body and "证明有效" in body
    assert "430821" not in body  # no ID number at all
    typed = anonymous.get(reverse("mobilization:verify"), {"code": services.grouped(cert.code).lower()})
    assert typed.status_code == 302 and typed.url == reverse("mobilization:verify-code", args=[cert.code])


def test_revoked_certificate_is_shown_revoked(world):
    cert = certificate(world)
    services.revoke(world.leshan_staff, cert, reason="时长有误")
    body = Client().get(reverse("mobilization:verify-code", args=[cert.code])).content.decode()
    assert "该证明已作废" in body and "证明有效" not in body


@pytest.mark.parametrize("code", ["ABCDEFGHJKMN", "x" * 300, "%E4%B8%AD", "'; drop table"])
def test_unknown_code_gets_a_message_not_an_error(world, code):
    response = Client().get(reverse("mobilization:verify-code", args=[code]))
    assert response.status_code == 200 and "没有这个验证码" in response.content.decode()


# --- the API ---------------------------------------------------------------------------------------

def test_api_finalise_and_correct(world, api_for):
    record = draft(world)
    api = api_for(world.leshan_staff)
    refused = api.post(reverse("mobilization-record-finalise", args=[record.pk]), {}, format="json")
    assert refused.status_code == 400 and "late_reason" in refused.json()
    done = api.post(reverse("mobilization-record-finalise", args=[record.pk]), {"late_reason": "补录"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "final"
    fixed = api.post(reverse("mobilization-record-correct", args=[record.pk]), {"reason": "改", "hours": "2.5"},
                     format="json")
    assert fixed.status_code == 201 and fixed.json()["corrects"] == record.pk and fixed.json()["hours"] == "2.50"
    assert api_for(world.nanxian).get(reverse("mobilization-record-detail", args=[record.pk])).status_code == 404


def test_api_activity_report_refuses_a_future_day(world, api_for):
    api = api_for(world.leshan_staff)
    url = reverse("mobilization-activity-list")
    body = {"unit": world.leshan.pk, "day": "2099-01-01", "title": "x", "content": "x", "volunteers": 1}
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400 and refused.json()["day"] == ["活动日期不能晚于今天"]
    ok = api.post(url, {**body, "day": "2021-07-30"}, format="json")
    assert ok.status_code == 201 and ok.json()["people"] == 1


def test_api_certificate_issue_and_pdf(world, api_for):
    person = f.person(world.leshan, "李明")
    services.finalise(world.leshan_staff, draft(world, "2021-07-30", person), at=f.at("2021-08-02"))
    api = api_for(world.leshan_staff)
    made = api.post(reverse("mobilization-certificate-list"),
                    {"person": person.pk, "period_from": "2021-07-30", "period_until": "2021-08-09"}, format="json")
    assert made.status_code == 201 and made.json()["hours"] == "4.00"
    pdf = api.get(reverse("mobilization-certificate-pdf", args=[made.json()["id"]]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_api_schema_has_the_records_part(world, api_for):
    schema = api_for(world.leshan_staff).get(reverse("api-schema"), {"format": "json"})
    paths = schema.json()["paths"]
    assert "/api/mobilization/records/{id}/finalise/" in paths
    assert "/api/mobilization/certificates/{id}/pdf/" in paths


def test_non_ascii_digits_in_ids_are_no_500(world, client_for):
    client = client_for(world.leshan_staff)
    refused = client.post(reverse("mobilization:records"), {"ids": ["²", "9" * 30]})
    assert refused.status_code == 400 and "请勾选要确认的记录" in refused.content.decode()
    assert client.get(reverse("mobilization:certificate-create"), {"person": "²"}).status_code == 200
