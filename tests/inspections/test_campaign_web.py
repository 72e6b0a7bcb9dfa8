"""Campaign pages: issuing one, and its progress by region with drill-down."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tests.inspections.conftest import DAY, answer_all
from tongxin.inspections import services
from tongxin.inspections.models import Campaign, Inspection
from tongxin.regions.models import Region


def campaign_of(world, checklists):
    five, general = checklists
    return services.create_campaign(
        world.hunan, name="养老机构拉网式隐患大排查", issuer=world.province, region=Region.objects.get(code="430000"),
        templates=[five.template, general.template], start_date=DAY, end_date=DAY + dt.timedelta(days=30),
        self_inspection_deadline=DAY + dt.timedelta(days=7))


def test_province_issues_a_campaign_from_the_page(world, checklists, client_for):
    five, general = checklists
    response = client_for(world.hunan).post(reverse("inspections:campaign-create"), {
        "name": "五个最严格专项检查", "issuer": world.province.pk, "region": "430000",
        "templates": [five.template.pk], "unit_kinds": ["elderly_care"], "start_date": "2021-07-26",
        "end_date": "2021-08-31", "self_inspection_deadline": "2021-08-02", "supervision_target": "100"})
    campaign = Campaign.objects.get(name="五个最严格专项检查")
    assert response.status_code == 302 and response["Location"] == reverse("inspections:campaign-detail",
                                                                           args=[campaign.pk])


def test_a_deadline_outside_the_period_is_a_message(world, checklists, client_for):
    five, _general = checklists
    response = client_for(world.hunan).post(reverse("inspections:campaign-create"), {
        "name": "x", "issuer": world.province.pk, "region": "430000", "templates": [five.template.pk],
        "unit_kinds": ["elderly_care"], "start_date": "2021-07-26", "end_date": "2021-08-31",
        "self_inspection_deadline": "2021-09-30", "supervision_target": "100"})
    assert response.status_code == 400 and "自查截止日期应在行动期间内" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_reporter_cannot_issue_a_campaign(world, client_for):
    assert client_for(world.home_reporter).get(reverse("inspections:campaign-create")).status_code == 403


def test_progress_by_region_adds_up_and_drills_down(world, checklists, team, photo, client_for):
    campaign = campaign_of(world, checklists)
    five, _general = checklists
    inspection = services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, team=team,
                                           kind=Inspection.Kind.SUPERVISION, day=DAY, campaign=campaign)
    answer_all(world.nanxian, inspection, fail={"vaccination_mobilised"}, photo_for=photo)
    services.finish_inspection(world.nanxian, inspection)
    c = client_for(world.hunan)
    page = c.get(reverse("inspections:campaign-detail", args=[campaign.pk]))
    assert page.status_code == 200
    assert page.context["total"].found == sum(r.found for r in page.context["rows"]) == 1
    county = c.get(reverse("inspections:campaign-detail", args=[campaign.pk]), {"region": "430921"})
    assert county.context["total"].supervised == 1 and county.context["total"].units == 2


def test_a_county_sees_the_province_campaign_for_its_own_area_only(world, checklists, client_for):
    campaign = campaign_of(world, checklists)
    c = client_for(world.cili)
    page = c.get(reverse("inspections:campaign-detail", args=[campaign.pk]))
    assert page.status_code == 200 and page.context["region"].code == "430821"
    assert c.get(reverse("inspections:campaign-detail", args=[campaign.pk]), {"region": "430921"}).status_code == 404
    assert c.get(reverse("inspections:campaign-detail", args=[campaign.pk]), {"region": "430000"}).status_code == 404


def test_a_campaign_issued_by_nanxian_is_not_found_for_cili(world, checklists, client_for):
    five, _general = checklists
    campaign = services.create_campaign(
        world.nanxian, name="南县消防检查", issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        templates=[five.template], start_date=DAY, end_date=DAY, self_inspection_deadline=DAY)
    assert client_for(world.cili).get(reverse("inspections:campaign-detail", args=[campaign.pk])).status_code == 404
