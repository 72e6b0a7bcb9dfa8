"""The inspection API: checklists, campaigns and their progress, teams, an inspection answered item
by item on a phone, findings edited, dropped and merged, finishing onto the ledger, scope, schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.inspections.conftest import DAY, answer_all
from tests.ledger.test_api import upload
from tongxin.inspections import services
from tongxin.inspections.models import Answer, ChecklistVersion, Finding, Inspection
from tongxin.regions.models import Region

INSPECTIONS = reverse("inspection-list")
SMALL = {"code": "heat-check", "name": "高温安全检查", "name_en": "Heat wave check",
         "definition": {"sections": [{"title": "防暑", "items": [
             {"key": "fans_working", "text": "风扇、空调运转正常", "type": "check", "severity": "major",
              "category": "electrical"}]}]}}


def start(client, world, team, **values):
    body = {"unit": world.nanxian_home.pk, "checklist": "five-strictest", "kind": "supervision", "team": team.pk,
            "day": DAY.isoformat(), **values}
    return client.post(INSPECTIONS, body, format="json")


def answer(client, inspection_id, **body):
    return client.post(reverse("inspection-answers", args=[inspection_id]), body, format="json")


def supervised(world, checklists, team, **kwargs) -> Inspection:
    five, _general = checklists
    return services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five,
                                     kind=Inspection.Kind.SUPERVISION, team=team, day=DAY, **kwargs)


def province_campaign(world, checklists):
    five, general = checklists
    return services.create_campaign(
        world.hunan, name="养老机构拉网式隐患大排查", issuer=world.province, region=Region.objects.get(code="430000"),
        templates=[five.template, general.template], start_date=dt.date(2021, 7, 26), end_date=dt.date(2021, 8, 31),
        self_inspection_deadline=dt.date(2021, 8, 5))


# --- checklists ----------------------------------------------------------------------------------

def test_checklists_list_the_latest_version_and_its_definition(world, checklists, api_for):
    rows = api_for(world.home_reporter).get(reverse("checklist-list")).json()["results"]
    five = next(r for r in rows if r["code"] == "five-strictest")
    assert five["latest_version"] == 1
    assert [s["title"] for s in five["definition"]["sections"]][0] == "最严格的责任落实"


def test_an_officer_defines_a_checklist_and_a_changed_one_adds_a_version(world, api_for):
    client = api_for(world.hunan)
    first = client.post(reverse("checklist-list"), SMALL, format="json")
    same = client.post(reverse("checklist-list"), SMALL, format="json")
    changed = {**SMALL, "definition": {"sections": [{**SMALL["definition"]["sections"][0], "title": "防暑降温"}]}}
    second = client.post(reverse("checklist-list"), changed, format="json")
    assert (first.status_code, same.status_code, second.status_code) == (201, 200, 201)
    assert second.json()["number"] == 2 and second.json()["created_by"] == "hunan"


def test_a_malformed_checklist_is_400_naming_definition(world, api_for):
    broken = {**SMALL, "definition": {"sections": [{"title": "防暑", "items": [{"key": "x", "type": "video"}]}]}}
    response = api_for(world.hunan).post(reverse("checklist-list"), broken, format="json")
    assert response.status_code == 400 and "definition" in response.json()
    assert not ChecklistVersion.objects.filter(template__code="heat-check").exists()


def test_a_reporter_cannot_define_checklists(world, api_for):
    assert api_for(world.home_reporter).post(reverse("checklist-list"), SMALL, format="json").status_code == 403


# --- campaigns and teams -------------------------------------------------------------------------

def test_a_county_officer_issues_a_campaign_by_checklist_code_and_a_stranger_cannot_see_it(world, checklists,
                                                                                          api_for):
    five, _general = checklists
    response = api_for(world.nanxian).post(reverse("campaign-list"), {
        "name": "南县养老机构消防安全专项行动", "issuer": world.nanxian_bureau.pk, "region": "430921",
        "templates": ["general-safety", five.template.pk], "start_date": "2021-08-01", "end_date": "2021-08-31",
        "self_inspection_deadline": "2021-08-10", "supervision_target": 100}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["templates"]) == ["five-strictest", "general-safety"]
    url = reverse("campaign-detail", args=[response.json()["id"]])
    assert api_for(world.home_reporter).get(url).status_code == 200
    assert api_for(world.cili).get(url).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"templates": ["no-such-list"]}, "templates"),
    ({"self_inspection_deadline": "2021-09-30"}, "self_inspection_deadline"),
    ({"region": "430821"}, "region"),
])
def test_a_bad_campaign_is_400_naming_the_field(world, checklists, api_for, change, field):
    body = {"name": "专项行动", "issuer": world.nanxian_bureau.pk, "region": "430921", "templates": ["five-strictest"],
            "start_date": "2021-08-01", "end_date": "2021-08-31", "self_inspection_deadline": "2021-08-10", **change}
    response = api_for(world.nanxian).post(reverse("campaign-list"), body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_campaign_progress_by_region_for_the_province_and_the_county(world, checklists, team, photo, api_for):
    campaign = province_campaign(world, checklists)
    inspection = supervised(world, checklists, team, campaign=campaign)
    answer_all(world.nanxian, inspection, fail={"vaccination_mobilised"}, photo_for=photo)
    services.finish_inspection(world.nanxian, inspection)
    url = reverse("campaign-progress", args=[campaign.pk])

    city = api_for(world.hunan).get(url, {"region": "430900"}).json()
    assert (city["total"]["units"], city["total"]["supervised"], city["total"]["found"]) == (2, 1, 1)
    (county,) = city["rows"]
    assert county["region"] == "430921" and county["open"] == 1
    own = api_for(world.nanxian).get(url)  # no region: the highest the county officer sees
    assert own.status_code == 200 and own.json()["total"]["region"] == "430921"


def test_a_stranger_asking_progress_for_nanxian_gets_404(world, checklists, api_for):
    campaign = province_campaign(world, checklists)
    url = reverse("campaign-progress", args=[campaign.pk])
    assert api_for(world.cili).get(url, {"region": "430921"}).status_code == 404
    assert api_for(world.cili).get(url, {"region": "430821"}).status_code == 200


def test_progress_for_an_unknown_region_is_400_naming_region(world, checklists, api_for):
    campaign = province_campaign(world, checklists)
    response = api_for(world.hunan).get(reverse("campaign-progress", args=[campaign.pk]), {"region": "439999"})
    assert response.status_code == 400 and "region" in response.json()


def test_a_county_officer_forms_a_team_a_stranger_cannot_see(world, api_for, second_officer):
    response = api_for(world.nanxian).post(reverse("team-list"), {
        "name": "南县督导组", "bureau": world.nanxian_bureau.pk, "members": ["nanxian-2"],
        "outside_members": "县纪委监委驻县财政局纪检监察组 张三", "start_date": "2021-08-01",
        "end_date": "2021-08-02"}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["members"]) == ["nanxian", "nanxian-2"]
    assert api_for(world.cili).get(reverse("team-detail", args=[response.json()["id"]])).status_code == 404
    assert api_for(world.cili).get(reverse("team-list")).json()["count"] == 0


def test_a_team_member_from_outside_the_officers_sight_is_400_naming_members(world, api_for):
    response = api_for(world.nanxian).post(reverse("team-list"), {
        "name": "南县督导组", "bureau": world.nanxian_bureau.pk, "members": ["cili"], "start_date": "2021-08-01",
        "end_date": "2021-08-02"}, format="json")
    assert response.status_code == 400 and "members" in response.json()


# --- an inspection on site -----------------------------------------------------------------------

def test_an_inspection_answered_through_the_api_puts_its_failed_item_on_the_ledger(world, checklists, team,
                                                                                    api_for):
    client = api_for(world.nanxian)
    started = start(client, world, team)
    assert started.status_code == 201, started.json()
    inspection_id = started.json()["id"]
    for item in [i for s in started.json()["definition"]["sections"] for i in s["items"]]:
        body = {"item_key": item["key"], "result": "pass"}
        if item["key"] == "visitor_register":
            photo = upload(client, world.nanxian_home).json()["id"]
            body = {**body, "result": "fail", "note": "登记本缺 7 月 30 日", "attachment_ids": [photo]}
        elif item["type"] == "number":
            body = {"item_key": item["key"], "value": "10"}
        elif item["type"] == "photo":
            body = {"item_key": item["key"], "attachment_ids": [upload(client, world.nanxian_home).json()["id"]]}
        response = answer(client, inspection_id, **body)
        assert response.status_code == 200, (item["key"], response.json())
        assert (response.json()["finding"] is not None) == (item["key"] == "visitor_register")

    finished = client.post(reverse("inspection-finish", args=[inspection_id]), {"summary": "总体良好"}, format="json")
    assert finished.status_code == 200, finished.json()
    (entry,) = finished.json()
    assert entry["status"] == "open" and entry["source"] == "supervision" and entry["overdue"] is True
    assert "出入登记" in entry["description"] and len(entry["attachments"]) == 1
    detail = client.get(reverse("inspection-detail", args=[inspection_id])).json()
    assert detail["status"] == "finished" and detail["findings"][0]["entry"] == entry["id"]
    assert len(detail["answers"]) == len(checklists[0].items())


def test_a_failed_item_that_needs_a_photo_is_400_naming_the_item(world, checklists, team, api_for):
    inspection = supervised(world, checklists, team)
    response = answer(api_for(world.nanxian), inspection.pk, item_key="closed_management", result="fail")
    assert response.status_code == 400 and "closed_management" in response.json()
    assert not Answer.objects.exists() and not Finding.objects.exists()


def test_an_unknown_item_is_400_naming_item_key(world, checklists, team, api_for):
    inspection = supervised(world, checklists, team)
    response = answer(api_for(world.nanxian), inspection.pk, item_key="no_such_item", result="pass")
    assert response.status_code == 400 and "item_key" in response.json()


def test_a_photo_uploaded_by_someone_else_cannot_be_attached(world, checklists, team, api_for):
    inspection = supervised(world, checklists, team)
    reporters = upload(api_for(world.home_reporter), world.nanxian_home).json()["id"]
    response = answer(api_for(world.nanxian), inspection.pk, item_key="visitor_register", result="fail",
                      attachment_ids=[reporters])
    assert response.status_code == 400 and "attachment_ids" in response.json()
    assert not Answer.objects.exists()


def test_finishing_with_items_unanswered_is_400_naming_answers(world, checklists, team, api_for):
    inspection = supervised(world, checklists, team)
    response = api_for(world.nanxian).post(reverse("inspection-finish", args=[inspection.pk]), {}, format="json")
    assert response.status_code == 400 and "answers" in response.json()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DRAFT


def test_the_inspector_edits_drops_and_merges_findings_before_finishing(world, checklists, team, photo, api_for):
    inspection = supervised(world, checklists, team)
    answer_all(world.nanxian, inspection, fail={"leader_in_charge", "emergency_plan_drilled", "vaccination_mobilised",
                                                "daily_report_on_time"}, photo_for=photo)
    leader, plan, vaccination, daily = inspection.findings.order_by("id")
    client = api_for(world.nanxian)

    def edit(finding, **body):
        return client.patch(reverse("inspection-finding", args=[inspection.pk, finding.pk]), body, format="json")

    edited = edit(vaccination, severity="major", deadline="2021-08-05", description="疫苗接种动员不到位")
    assert edited.status_code == 200 and edited.json()["severity"] == "major"
    assert edit(daily, dropped=True).json()["dropped"] is True
    merged = client.post(reverse("inspection-finding-merge", args=[inspection.pk]),
                         {"keep": leader.pk, "others": [plan.pk]}, format="json")
    assert merged.status_code == 200 and merged.json()["item_keys"] == ["leader_in_charge", "emergency_plan_drilled"]

    entries = client.post(reverse("inspection-finish", args=[inspection.pk]), {}, format="json").json()
    assert sorted((e["description"][:6], e["severity"], e["deadline"]) for e in entries) == [
        ("主要负责人为", "major", "2021-08-08"), ("疫苗接种动员", "major", "2021-08-05")]


def test_a_finding_deadline_before_the_inspection_is_400_naming_deadline(world, checklists, team, photo, api_for):
    inspection = supervised(world, checklists, team)
    services.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="fail")
    finding = inspection.findings.get()
    response = api_for(world.nanxian).patch(reverse("inspection-finding", args=[inspection.pk, finding.pk]),
                                            {"deadline": "2021-07-30"}, format="json")
    assert response.status_code == 400 and "deadline" in response.json()
    finding.refresh_from_db()
    assert finding.deadline is None


def test_fixed_on_the_spot_needs_evidence_and_then_goes_on_the_ledger_closed(world, checklists, team, photo,
                                                                              api_for):
    inspection = supervised(world, checklists, team)
    answer_all(world.nanxian, inspection, fail={"vaccination_mobilised"}, photo_for=photo)
    finding = inspection.findings.get()
    client = api_for(world.nanxian)
    url = reverse("inspection-finding", args=[inspection.pk, finding.pk])
    refused = client.patch(url, {"fixed_on_spot": True}, format="json")
    assert refused.status_code == 400 and "attachment_ids" in refused.json()
    evidence = upload(client, world.nanxian_home).json()["id"]
    assert client.patch(url, {"fixed_on_spot": True, "attachment_ids": [evidence]}, format="json").status_code == 200
    (entry,) = client.post(reverse("inspection-finish", args=[inspection.pk]), {}, format="json").json()
    assert entry["status"] == "closed" and entry["fixed_on_spot"] is True


def test_merging_a_finding_of_another_inspection_is_400_naming_others(world, checklists, team, api_for):
    first = supervised(world, checklists, team)
    services.answer(world.nanxian, first, item_key="vaccination_mobilised", result="fail")
    five, _general = checklists
    second = services.start_inspection(world.nanxian, unit=world.nanxian_home_2, version=five,
                                       kind=Inspection.Kind.SUPERVISION, team=team, day=DAY)
    services.answer(world.nanxian, second, item_key="vaccination_mobilised", result="fail")
    response = api_for(world.nanxian).post(reverse("inspection-finding-merge", args=[first.pk]), {
        "keep": first.findings.get().pk, "others": [second.findings.get().pk]}, format="json")
    assert response.status_code == 400 and "others" in response.json()
    assert not Finding.objects.filter(merged_into__isnull=False).exists()


def test_a_reporter_starts_a_self_inspection_of_the_home(world, checklists, api_for):
    response = api_for(world.home_reporter).post(INSPECTIONS, {
        "unit": world.nanxian_home.pk, "checklist": "general-safety", "kind": "self"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "self" and response.json()["inspector"] == "nanxian-home-01"


def test_a_supervisory_inspection_without_a_team_is_400_naming_team(world, checklists, api_for):
    response = api_for(world.nanxian).post(INSPECTIONS, {
        "unit": world.nanxian_home.pk, "checklist": "five-strictest", "kind": "supervision"}, format="json")
    assert response.status_code == 400 and "team" in response.json()
    assert not Inspection.objects.exists()


def test_someone_outside_the_team_answering_is_403(world, checklists, team, second_officer, api_for):
    inspection = supervised(world, checklists, team)
    response = answer(api_for(second_officer), inspection.pk, item_key="leader_in_charge", result="pass")
    assert response.status_code == 403


# --- scope ---------------------------------------------------------------------------------------

def test_a_stranger_county_gets_404_on_a_nanxian_inspection(world, checklists, team, photo, api_for):
    inspection = supervised(world, checklists, team)
    services.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="fail")
    finding = inspection.findings.get()
    stranger = api_for(world.cili)
    assert stranger.get(reverse("inspection-detail", args=[inspection.pk])).status_code == 404
    assert answer(stranger, inspection.pk, item_key="leader_in_charge", result="pass").status_code == 404
    assert stranger.post(reverse("inspection-finish", args=[inspection.pk]), {}, format="json").status_code == 404
    assert stranger.patch(reverse("inspection-finding", args=[inspection.pk, finding.pk]), {"dropped": True},
                          format="json").status_code == 404
    assert stranger.post(reverse("inspection-finding-merge", args=[inspection.pk]),
                         {"keep": finding.pk, "others": [finding.pk]}, format="json").status_code == 404
    assert stranger.get(INSPECTIONS).json()["count"] == 0
    finding.refresh_from_db()
    assert not finding.dropped and inspection.answers.count() == 1


def test_a_stranger_cannot_start_an_inspection_of_a_nanxian_home(world, checklists, team, api_for):
    response = start(api_for(world.cili), world, team)
    assert response.status_code == 404
    assert not Inspection.objects.exists()


def test_a_finding_of_another_inspection_is_404_under_this_one(world, checklists, team, api_for):
    first = supervised(world, checklists, team)
    other = supervised(world, checklists, team)
    services.answer(world.nanxian, other, item_key="vaccination_mobilised", result="fail")
    response = api_for(world.nanxian).patch(reverse("inspection-finding", args=[first.pk, other.findings.get().pk]),
                                            {"dropped": True}, format="json")
    assert response.status_code == 404


def test_the_schema_lists_every_inspection_path(world, client_for):
    text = client_for(world.nanxian).get("/api/schema/").content.decode()
    for path in ["/api/checklists/", "/api/checklists/{id}/", "/api/campaigns/", "/api/campaigns/{id}/",
                 "/api/campaigns/{id}/progress/", "/api/teams/", "/api/teams/{id}/", "/api/inspections/",
                 "/api/inspections/{id}/", "/api/inspections/{id}/answers/", "/api/inspections/{id}/finish/",
                 "/api/inspections/{id}/findings/{finding_id}/", "/api/inspections/{id}/findings/merge/"]:
        assert f"{path}:" in text, path

