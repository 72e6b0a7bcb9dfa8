"""Seeds for reporting, inspections and the ledger: forms, assignments, reports, checklists, campaigns,
inspections, ledger entries, the public lookup."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.fuzz.seeds import Seed, seed
from tests.inspections.conftest import answer_all
from tests.reports.conftest import END, START, at, good_values

DAY = dt.date(2021, 8, 2)  # a day of the story: the daily report runs 2021-07-26 … 2021-08-09
INSPECTED = dt.date(2021, 8, 1)  # the day 南县督导组 inspects 南县福利院
PROBLEMS = "消防通道堆放杂物；两名护理员未佩戴口罩"


# --- what the requests act on, built through the services ----------------------------------------

def daily(w):
    """The story's daily report: the built-in form, assigned by 湖南省民政厅 to every elderly-care home."""
    from tongxin.regions.models import Region
    from tongxin.reports import services
    from tongxin.units.models import Kind

    (version,) = services.load_builtin_forms()
    return services.create_assignment(
        w.hunan, form=version.form, issuer=w.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=dt.time(10, 0), start_date=START, end_date=END,
        unit_kinds=[Kind.ELDERLY_CARE])


def filed(w, **values):
    """南县福利院's report for DAY, filed by its reporter before the deadline."""
    from tongxin.reports import services

    return services.submit_report(w.home_reporter, assignment=daily(w), unit=w.nanxian_home, day=DAY,
                                  values=good_values(**values), now=at(DAY, 9)).report


def photo(w, user, unit=None):
    """A stored JPEG attachment uploaded by `user` for `unit` (南县福利院 by default), as a phone sends it."""
    from PIL import Image

    from tongxin.core.uploads import store_attachment

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    upload = SimpleUploadedFile("fix.jpg", buffer.getvalue(), content_type="image/jpeg")
    return store_attachment(upload, uploaded_by=user, unit_id=(unit or w.nanxian_home).pk)


def supervised(w):
    """A supervisory inspection of 南县福利院 by 南县督导组 (nanxian), on the five-strictest checklist."""
    from tongxin.inspections import services
    from tongxin.inspections.models import Inspection

    five, _general = services.load_builtin_checklists()
    team = services.create_team(w.nanxian, name="南县督导组", bureau=w.nanxian_bureau, start_date=INSPECTED,
                                end_date=INSPECTED + dt.timedelta(days=1),
                                outside_members="县纪委监委驻县财政局纪检监察组 张三")
    return services.start_inspection(w.nanxian, unit=w.nanxian_home, version=five, kind=Inspection.Kind.SUPERVISION,
                                     team=team, day=INSPECTED)


def answered(w, fail=()):
    """The supervisory inspection with every item answered, `fail` failing (each with a photo)."""
    inspection = supervised(w)
    answer_all(w.nanxian, inspection, fail=set(fail), photo_for=lambda: photo(w, w.nanxian))
    return inspection


def entry_body(w, **values):
    body = {"unit": w.nanxian_home.pk, "source": "supervision", "category": "fire", "severity": "major",
            "description": "疏散通道堆放杂物", "required_measure": "清理通道", "responsible_person": "李敏",
            "responsible_phone": "13807371234", "found_on": "2021-08-01", "deadline": "2021-08-08"}
    return {**body, **values}


# --- report forms, assignments, reports ------------------------------------------------------------

@seed("POST /api/report-forms/")
def import_form(w):
    return Seed("nanxian", body={
        "code": "heat-daily", "name": "高温日报", "name_en": "Heat wave daily",
        "description": "高温期间养老机构每日报送",
        "definition": {"fields": [{"key": "fans", "label": "风扇台数", "type": "int", "min": 0}],
                       "rules": [{"expr": "fans >= 0", "message": "风扇台数不能为负"}]}})


@seed("POST /api/assignments/")
def issue_assignment(w):
    from tongxin.reports import services

    (version,) = services.load_builtin_forms()
    return Seed("nanxian", body={
        "name": "南县养老机构疫情防控日报", "form": version.form.pk, "issuer": w.nanxian_bureau.pk, "region": "430921",
        "unit_kinds": ["elderly_care"], "frequency": "daily", "deadline": "09:00", "start_date": "2021-07-26",
        "end_date": "2021-08-09"})


@seed("POST /api/reports/")
def file_report(w):
    return Seed("nanxian-home-01", body={"assignment": daily(w).pk, "unit": w.nanxian_home.pk, "day": DAY.isoformat(),
                                         "values": good_values(), "zero": False})


@seed("POST /api/reports/{id}/correct/")
def correct_report(w):
    report = filed(w)
    return Seed("nanxian-home-01", path={"id": report.pk}, body={
        "values": good_values(residents_in_care=90), "reason": "漏报新入住老人", "expected_revision": 1})


@seed("POST /api/reports/{id}/raise-entry/")
def raise_entry(w):
    report = filed(w, problems_found=PROBLEMS)
    return Seed("nanxian", path={"id": report.pk}, body={
        "category": "fire", "severity": "major", "deadline": "2021-08-09", "description": "消防通道堆放杂物",
        "required_measure": "当日清理消防通道", "again": False})


# --- checklists, campaigns, inspections -------------------------------------------------------------

@seed("POST /api/checklists/")
def define_checklist(w):
    return Seed("nanxian", body={
        "code": "heat-check", "name": "高温安全检查", "name_en": "Heat wave check", "description": "高温期间的安全检查",
        "definition": {"sections": [{"title": "防暑", "items": [
            {"key": "fans_working", "text": "风扇、空调运转正常", "type": "check", "severity": "major",
             "category": "electrical"}]}]}})


@seed("POST /api/campaigns/")
def issue_campaign(w):
    from tongxin.inspections import services

    services.load_builtin_checklists()
    return Seed("nanxian", body={
        "name": "南县养老机构消防安全专项行动", "issuer": w.nanxian_bureau.pk, "region": "430921",
        "templates": ["general-safety", "five-strictest"], "unit_kinds": ["elderly_care"],
        "start_date": "2021-08-01", "end_date": "2021-08-31", "self_inspection_deadline": "2021-08-10",
        "supervision_target": 100, "description": "全县养老机构消防安全隐患排查整治"})


@seed("POST /api/inspections/")
def start_self_inspection(w):
    from tongxin.inspections import services

    services.load_builtin_checklists()
    return Seed("nanxian-home-01", body={"unit": w.nanxian_home.pk, "checklist": "general-safety", "kind": "self",
                                         "day": INSPECTED.isoformat()})


@seed("POST /api/inspections/{id}/answers/")
def answer_item(w):
    inspection = supervised(w)
    return Seed("nanxian", path={"id": inspection.pk}, body={
        "item_key": "visitor_register", "result": "fail", "note": "登记本缺 7 月 30 日",
        "attachment_ids": [photo(w, w.nanxian).pk]})


@seed("PATCH /api/inspections/{id}/findings/{finding_id}/")
def edit_finding(w):
    inspection = answered(w, fail={"vaccination_mobilised"})
    finding = inspection.findings.get()
    return Seed("nanxian", path={"id": inspection.pk, "finding_id": finding.pk}, body={
        "description": "疫苗接种动员不到位", "severity": "major", "category": finding.category,
        "required_measure": "逐人动员未接种老人", "deadline": "2021-08-05"})


@seed("POST /api/inspections/{id}/findings/merge/")
def merge_findings(w):
    inspection = answered(w, fail={"leader_in_charge", "emergency_plan_drilled"})
    leader, plan = inspection.findings.order_by("id")
    return Seed("nanxian", path={"id": inspection.pk}, body={"keep": leader.pk, "others": [plan.pk]})


@seed("POST /api/inspections/{id}/finish/")
def finish_inspection(w):
    inspection = answered(w, fail={"visitor_register"})
    return Seed("nanxian", path={"id": inspection.pk}, body={"summary": "总体良好，出入登记需补齐"})


# --- the ledger --------------------------------------------------------------------------------------

@seed("POST /api/ledger/")
def open_entry(w):
    return Seed("nanxian", body=entry_body(w))


@seed("POST /api/ledger/fix-on-spot/")
def fix_on_spot(w):
    body = entry_body(w, attachment_ids=[photo(w, w.nanxian).pk], comment="当场清理")
    del body["deadline"]
    return Seed("nanxian", body=body)


@seed("POST /api/ledger/{id}/transition/")
def start_rectifying(w):
    """The home starts putting right a problem 南县民政局 put on its ledger."""
    from tongxin.ledger import services

    entry = services.open_entry(
        w.nanxian, unit=w.nanxian_home, source="supervision", category="fire", severity="major",
        description="疏散通道堆放杂物", required_measure="清理通道", responsible_person="李敏",
        responsible_phone="13807371234", found_on=INSPECTED, deadline=INSPECTED + dt.timedelta(days=7))
    return Seed("nanxian-home-01", path={"id": entry.pk}, body={
        "name": "start", "comment": "已安排清理", "attachment_ids": [], "expected_status": "open"})


# --- the public site -----------------------------------------------------------------------------------

@seed("POST /api/public/lookup/")
def lookup_receipt(w):
    """A donor looks up where the gift went (anonymous: the lookup reads no token)."""
    from tests.donations import factories as f

    a = f.appeal(w.nanxian_home, "南县抗疫募捐倡议")
    mask = f.item()
    d = f.donation(w.nanxian_home, [(f.cash(), 28000), (mask, 1000, 2500)], appeal=a, donor="株洲金典装饰工程有限公司")
    f.handover(w.nanxian_home, w.nanxian_home_2, [(mask, 400)], appeal=a, received=True)
    return Seed("nanxian-home-01", body={"receipt": d.receipt_number, "code": d.lookup_code})
