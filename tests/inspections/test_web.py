"""Inspection pages: a team member walks an inspection on site, item by item, reviews the findings and
finishes onto the ledger; bad input gets words under the item; scope gives 404, a bystander 403."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.inspections.conftest import DAY, answer_all
from tongxin.core.models import Attachment
from tongxin.inspections import services
from tongxin.inspections.models import Answer, Finding, Inspection, Team
from tongxin.ledger.models import LedgerEntry, Status


def jpeg(name: str = "现场.jpg") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def url(name: str, inspection: Inspection, *args) -> str:
    return reverse(f"inspections:{name}", args=[inspection.pk, *args])


def start_supervision(client, world, team, checklists, unit=None):
    five, _general = checklists
    return client.post(reverse("inspections:start"), {
        "kind": "supervision", "team": team.pk, "unit": (unit or world.nanxian_home).pk,
        "template": five.template.pk, "day": DAY.isoformat()})


def answer(client, inspection, key, **data):
    return client.post(url("answer", inspection), {"item_key": key, **data})


@pytest.fixture
def officer(world, client_for):
    return client_for(world.nanxian)


@pytest.fixture
def inspection(world, checklists, team):
    five, _general = checklists
    return services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five,
                                     kind=Inspection.Kind.SUPERVISION, team=team, day=DAY)


@pytest.fixture
def walked(world, officer, inspection):
    """Every item answered on the web: five failures (three with photos), the rest passing."""
    photos = {"closed_management", "visitor_register", "emergency_plan_drilled"}
    for item in inspection.version.items():
        key = item["key"]
        if item["type"] == "number":
            data = {"value": "3"}
        elif item["type"] == "photo":
            data = {"photos": jpeg()}
        elif key in photos or key == "vaccination_mobilised":
            data = {"result": "fail", "note": "现场发现"}
            if key in photos:
                data["photos"] = jpeg()
        else:
            data = {"result": "pass"}
        assert answer(officer, inspection, key, **data).status_code == 302, key
    return inspection


def finding_for(inspection, key) -> Finding:
    return next(f for f in inspection.findings.all() if key in f.item_keys)


def test_a_team_member_starts_a_supervisory_inspection(world, officer, checklists, team):
    response = start_supervision(officer, world, team, checklists)
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", inspection)
    assert (inspection.kind, inspection.team, inspection.unit, inspection.day) == (
        "supervision", team, world.nanxian_home, DAY)
    page = officer.get(url("detail", inspection)).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*,application/pdf"' in page
    assert "已检查 0/" in page and "不少于 7" in page


def test_the_start_page_offers_the_teams_homes(world, officer, team):
    page = officer.get(reverse("inspections:start") + f"?kind=supervision&team={team.pk}").content.decode()
    assert world.nanxian_home.name in page and world.nanxian_home_2.name in page
    assert world.cili_home.name not in page


def test_a_unit_outside_the_teams_area_is_refused_and_nothing_is_saved(world, client_for, checklists, team):
    from tongxin.units.services import grant_role

    grant_role(None, world.hunan, world.nanxian_bureau, "officer")  # the province officer joins 南县's team
    team.members.add(world.hunan)
    response = start_supervision(client_for(world.hunan), world, team, checklists, unit=world.cili_home)
    assert response.status_code == 400
    assert "该单位不在督导组的检查范围内" in response.content.decode()
    assert not Inspection.objects.exists()


def test_saving_an_item_goes_on_to_the_next_one(officer, inspection):
    response = answer(officer, inspection, "leader_in_charge", result="pass")
    assert response.status_code == 302
    assert response["Location"] == url("detail", inspection) + "#item-emergency_plan_drilled"
    assert Answer.objects.get(inspection=inspection).result == "pass"
    page = officer.get(response["Location"]).content.decode()
    assert "第 1 项已保存" in page and "已检查 1/" in page


def test_a_failing_item_with_a_photo_becomes_a_finding(officer, inspection):
    response = answer(officer, inspection, "closed_management", result="fail", note="大门未上锁", photos=jpeg())
    assert response.status_code == 302
    stored = Answer.objects.get(inspection=inspection, item_key="closed_management")
    assert stored.result == "fail" and stored.attachments.count() == 1
    page = officer.get(url("findings", inspection)).content.decode()
    assert "严格实行封闭管理，暂停探视：大门未上锁" in page
    assert "现场.jpg" in page or "/ledger/" in page  # its photo, as a thumbnail or by name


def test_a_failing_item_that_needs_a_photo_shows_the_message_and_saves_nothing(officer, inspection):
    response = answer(officer, inspection, "closed_management", result="fail", note="大门未上锁")
    assert response.status_code == 400
    assert "不符合时须拍照留证" in response.content.decode()
    assert not Answer.objects.exists() and not Finding.objects.exists()


def test_a_file_that_is_not_an_image_shows_the_uploads_message(officer, inspection):
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 this is a program", content_type="image/jpeg")
    response = answer(officer, inspection, "closed_management", result="fail", photos=fake)
    assert response.status_code == 400
    assert "不支持这种文件" in response.content.decode()
    assert not Answer.objects.exists() and not Attachment.objects.exists()


def test_a_refused_answer_keeps_no_photo(officer, inspection):
    response = answer(officer, inspection, "protective_supply_days", value="很多", photos=jpeg())
    assert response.status_code == 400 and "请填写数字" in response.content.decode()
    assert not Attachment.objects.exists()


def test_htmx_swaps_just_the_card(officer, inspection):
    response = officer.post(url("answer", inspection), {"item_key": "leader_in_charge", "result": "pass"},
                            HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<div class="card tx-item')
    assert 'data-next-anchor="item-emergency_plan_drilled"' in page and 'hx-swap-oob="true"' in page


def test_the_inspector_reviews_the_findings_and_finishes_onto_the_ledger(officer, walked):
    inspection = walked
    assert inspection.findings.count() == 5
    closed, register = finding_for(inspection, "closed_management"), finding_for(inspection, "visitor_register")
    plan = finding_for(inspection, "emergency_plan_drilled")
    vaccination = finding_for(inspection, "vaccination_mobilised")
    supplies = finding_for(inspection, "protective_supply_days")

    assert officer.post(url("finding", inspection, vaccination.pk), {"action": "drop"}).status_code == 302
    assert officer.post(url("finding", inspection, plan.pk), {"action": "merge", "into": closed.pk}).status_code == 302
    assert officer.post(url("finding", inspection, register.pk), {"action": "fix", "photos": jpeg("整改后.jpg")}
                        ).status_code == 302
    response = officer.post(url("finish", inspection), {"summary": "总体良好，两处问题限期整改"})
    assert response.status_code == 302 and response["Location"] == url("detail", inspection)

    entries = {e.description.split("：")[0]: e for e in LedgerEntry.objects.filter(source_id=inspection.pk)}
    assert len(entries) == 3
    merged = entries["严格实行封闭管理，暂停探视"]
    assert merged.status == Status.OPEN and "应急预案" in merged.description
    assert entries["出入登记台账完整，逐人测温、查码"].status == Status.CLOSED
    assert entries["出入登记台账完整，逐人测温、查码"].fixed_on_spot
    assert entries[supplies.description.split("：")[0]].deadline == DAY + dt.timedelta(days=7)
    page = officer.get(response["Location"]).content.decode()
    assert all(e.number in page for e in entries.values()) and "总体良好" in page


def test_editing_a_finding_keeps_the_default_deadline_unless_changed(officer, walked):
    finding = finding_for(walked, "vaccination_mobilised")
    shown = (DAY + dt.timedelta(days=15)).isoformat()  # 一般: 15 days
    prefix = f"f{finding.pk}-"
    data = {"action": "save", prefix + "description": "未动员接种", prefix + "severity": "major",
            prefix + "category": "epidemic", prefix + "required_measure": "逐人摸底", prefix + "deadline": shown,
            prefix + "shown_deadline": shown}
    assert officer.post(url("finding", walked, finding.pk), data).status_code == 302
    finding.refresh_from_db()
    assert (finding.description, finding.severity, finding.deadline) == ("未动员接种", "major", None)
    data[prefix + "deadline"] = (DAY - dt.timedelta(days=1)).isoformat()
    response = officer.post(url("finding", walked, finding.pk), data)
    assert response.status_code == 400 and "整改时限不能早于发现日期" in response.content.decode()


def test_fixing_on_the_spot_needs_a_photo(officer, walked):
    finding = finding_for(walked, "vaccination_mobilised")
    response = officer.post(url("finding", walked, finding.pk), {"action": "fix"})
    assert response.status_code == 400 and "立查立改须上传整改后的照片" in response.content.decode()
    finding.refresh_from_db()
    assert not finding.fixed_on_spot


def test_merging_into_nothing_is_refused_with_words(officer, walked):
    finding = finding_for(walked, "vaccination_mobilised")
    for into in ("", "abc", "999999", str(finding.pk)):
        response = officer.post(url("finding", walked, finding.pk), {"action": "merge", "into": into})
        assert response.status_code == 400 and "请选择要合并到的问题" in response.content.decode()


def test_unanswered_items_block_finishing(officer, inspection):
    answer(officer, inspection, "leader_in_charge", result="pass")
    response = officer.post(url("finish", inspection), {"summary": "未完"})
    assert response.status_code == 400 and "项未检查" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DRAFT and not LedgerEntry.objects.exists()


def test_a_finished_inspection_is_read_only(world, officer, inspection, photo):
    answer_all(world.nanxian, inspection, photo_for=photo)
    services.finish_inspection(world.nanxian, inspection)
    response = answer(officer, inspection, "leader_in_charge", result="fail")
    assert response.status_code == 302 and Answer.objects.get(item_key="leader_in_charge").result == "pass"
    page = officer.get(url("detail", inspection)).content.decode()
    assert "本次检查未发现问题" in page and 'name="item_key"' not in page
    assert officer.get(url("findings", inspection)).status_code == 302


@pytest.mark.parametrize("name,method", [("detail", "get"), ("findings", "get"), ("answer", "post"),
                                         ("finish", "post"), ("finding", "post")])
def test_a_stranger_county_gets_404(world, client_for, walked, name, method):
    args = [walked.findings.first().pk] if name == "finding" else []
    response = getattr(client_for(world.cili), method)(url(name, walked, *args), {"item_key": "leader_in_charge",
                                                                                    "result": "fail", "action": "drop"})
    assert response.status_code == 404
    assert not walked.findings.filter(dropped=True).exists()


def test_an_officer_not_on_the_team_may_look_but_not_answer(client_for, second_officer, inspection):
    client = client_for(second_officer)
    page = client.get(url("detail", inspection)).content.decode()
    assert 'name="item_key"' not in page
    assert answer(client, inspection, "leader_in_charge", result="pass").status_code == 403
    assert client.post(url("finish", inspection)).status_code == 403
    assert not Answer.objects.exists()


def test_a_reporter_self_inspects_their_own_home_only(world, client_for, checklists):
    five, _general = checklists
    reporter = client_for(world.home_reporter)
    page = reporter.get(reverse("inspections:start")).content.decode()
    assert world.nanxian_home.name in page and world.nanxian_home_2.name not in page
    base = {"kind": "self", "template": five.template.pk, "day": DAY.isoformat()}
    response = reporter.post(reverse("inspections:start"), {**base, "unit": world.nanxian_home_2.pk})
    assert response.status_code == 400 and not Inspection.objects.exists()
    response = reporter.post(reverse("inspections:start"), {**base, "kind": "supervision",
                                                            "unit": world.nanxian_home.pk})
    assert response.status_code == 403 and not Inspection.objects.exists()
    response = reporter.post(reverse("inspections:start"), {**base, "unit": world.nanxian_home.pk})
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and (inspection.kind, inspection.unit) == ("self", world.nanxian_home)


def test_a_county_officer_does_not_self_inspect_a_home(world, officer, checklists):
    five, _general = checklists
    response = officer.post(reverse("inspections:start"), {
        "kind": "self", "unit": world.nanxian_home.pk, "template": five.template.pk, "day": DAY.isoformat()})
    assert response.status_code == 403 and not Inspection.objects.exists()


def test_a_reporter_may_not_form_a_team(world, client_for):
    reporter = client_for(world.home_reporter)
    assert reporter.get(reverse("inspections:team-create")).status_code == 403
    response = reporter.post(reverse("inspections:team-create"), {
        "name": "自组督导组", "bureau": world.nanxian_bureau.pk, "start_date": "2021-08-01",
        "end_date": "2021-08-02"})
    assert response.status_code == 403 and not Team.objects.exists()


def test_a_county_officer_forms_a_team_with_someone_from_another_body(world, officer, second_officer):
    response = officer.post(reverse("inspections:team-create"), {
        "name": "南县第一督导组", "bureau": world.nanxian_bureau.pk, "members": [second_officer.pk],
        "outside_members": "县纪委监委驻县财政局纪检监察组 张三\n\n", "start_date": "2021-08-01",
        "end_date": "2021-08-02"})
    team = Team.objects.get()
    assert response.status_code == 302 and f"team={team.pk}" in response["Location"]
    assert set(team.members.all()) == {world.nanxian, second_officer}
    assert team.outside_members == "县纪委监委驻县财政局纪检监察组 张三"


def test_a_team_cannot_end_before_it_starts(world, officer):
    response = officer.post(reverse("inspections:team-create"), {
        "name": "南县督导组", "bureau": world.nanxian_bureau.pk, "start_date": "2021-08-02",
        "end_date": "2021-08-01"})
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.content.decode()
    assert not Team.objects.exists()


def test_the_list_shows_only_what_the_user_sees(world, client_for, inspection):
    assert world.nanxian_home.name in client_for(world.nanxian).get(reverse("inspections:list")).content.decode()
    page = client_for(world.cili).get(reverse("inspections:list")).content.decode()
    assert world.nanxian_home.name not in page and "没有符合条件的检查" in page


def test_the_list_filters_and_never_fails_on_bad_input(officer, inspection):
    base = reverse("inspections:list")
    assert "南县福利院" in officer.get(base + "?kind=supervision&status=draft").content.decode()
    assert "南县福利院" not in officer.get(base + "?kind=self").content.decode()
    for query in ("?campaign=abc", "?unit=x", "?page=999", "?kind=nonsense", f"?unit={inspection.unit_id}"):
        assert officer.get(base + query).status_code == 200


def test_bad_answers_get_words_never_a_500(officer, inspection):
    response = answer(officer, inspection, "no_such_item", result="pass")
    assert response.status_code == 302
    assert "检查表中没有这一项" in officer.get(response["Location"]).content.decode()
    response = answer(officer, inspection, "leader_in_charge", result="maybe")
    assert response.status_code == 400 and "请选择“符合”或“不符合”" in response.content.decode()
    response = answer(officer, inspection, "leader_in_charge", result="pass", note="很长" * 1001)
    assert response.status_code == 400 and "说明不能超过 2000 字" in response.content.decode()
    assert not Answer.objects.exists()


def test_a_day_outside_the_teams_dates_is_refused_under_the_field(world, officer, checklists, team):
    five, _general = checklists
    response = officer.post(reverse("inspections:start"), {
        "kind": "supervision", "team": team.pk, "unit": world.nanxian_home.pk, "template": five.template.pk,
        "day": (DAY + dt.timedelta(days=5)).isoformat()})
    assert response.status_code == 400 and "检查日期不在督导组的工作日期内" in response.content.decode()
    response = officer.post(reverse("inspections:start"), {
        "kind": "supervision", "team": "x", "unit": "", "template": "999", "day": "2021-13-40"})
    assert response.status_code == 400 and not Inspection.objects.exists()


def test_an_officer_without_a_team_is_sent_to_form_one(world, client_for):
    response = client_for(world.cili).get(reverse("inspections:start"))
    assert response.status_code == 302 and response["Location"] == reverse("inspections:team-create")
    assert client_for(world.auditor).get(reverse("inspections:start")).status_code == 403
