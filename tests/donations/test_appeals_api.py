"""The appeals API: a joint appeal created, published and disclosed; a draft changed, a published
one refused; bad input gets 400 per field and saves nothing; a stranger gets 404; the catalogue
is read by anyone signed in."""

from __future__ import annotations

import pytest

from tests.donations import factories as f
from tests.world import IN_SERVICE_FROM
from tongxin.donations.models import Appeal, AppealStatus, Disclosure, Item
from tongxin.donations.services import appeals as svc
from tongxin.units import services as units
from tongxin.units.models import Kind

pytestmark = pytest.mark.django_db

BASE = "/api/donations/appeals/"
VALUES = {"title": "乐善助老倡议", "text": "倡议全文", "starts_on": "2021-08-05", "beneficiary": "慈利县独居老人",
          "how_to_give": "物资送至乐善中心", "clock": "response"}


def test_a_joint_appeal_is_created_published_and_disclosed(world, api_for):
    tourism = units.create_unit(None, name="湖南省旅游协会", kind=Kind.INDUSTRY_ASSOCIATION, region_id="430000",
                                in_service_from=IN_SERVICE_FROM)
    api = api_for(world.leshan_staff)
    r = api.post(BASE, {**VALUES, "unit": world.leshan.pk, "issuers": [tourism.pk],
                        "needs": [{"name": "口罩", "specification": "KN95", "measure": "只", "quantity": "1000"}]},
                 format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert [i["name"] for i in body["issuers"]] == ["慈利县乐善社会工作服务中心", "湖南省旅游协会"]
    assert body["status"] == "draft" and body["needs"][0]["quantity"] == "1000.00"
    assert body["clock_state"] == {"due_on": None, "overdue": False, "final": False, "days_left": None}
    pk = body["id"]
    r = api.patch(f"{BASE}{pk}/", {"title": "乐善助老联合倡议"}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "乐善助老联合倡议"
    assert [i["name"] for i in r.json()["issuers"]] == ["慈利县乐善社会工作服务中心", "湖南省旅游协会"]
    r = api.post(f"{BASE}{pk}/publish/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["clock_state"]["due_on"] is not None
    r = api.post(f"{BASE}{pk}/disclose/", {"note": "第一期", "unit": tourism.pk}, format="json")
    assert r.status_code == 404  # the association is outside 乐善 staff's scope: its own staff disclose for it
    r = api.post(f"{BASE}{pk}/disclose/", {"note": "第一期"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["unit"] == world.leshan.pk
    assert r.json()["figures"] == {"items": [], "cash_total": "0", "goods_value_total": "0"}
    listed = api.get("/api/donations/disclosures/", {"appeal": pk}).json()
    assert [d["note"] for d in listed["results"]] == ["第一期"]
    r = api.post(f"{BASE}{pk}/close/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_a_published_appeal_is_not_edited(world, api_for):
    appeal = svc.publish_appeal(None, svc.create_appeal(None, world.leshan, VALUES))
    r = api_for(world.leshan_staff).patch(f"{BASE}{appeal.pk}/", {"title": "改"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"status": ["倡议已发布，不能再修改（只有草稿可以修改）"]}
    appeal.refresh_from_db()
    assert appeal.title == "乐善助老倡议"


@pytest.mark.parametrize(("change", "field"), [
    ({"starts_on": "2021-08-05", "ends_on": "2021-08-01"}, "ends_on"),
    ({"needs": [{"name": "方便面", "measure": "箱", "quantity": "-5"}]}, "needs[0]"),
    ({"starts_on": "2021-13-01"}, "starts_on"),
    ({"issuers": [0]}, "issuers"),
    ({"clock": "weekly"}, "clock"),
])
def test_bad_input_gets_a_message_at_its_field_and_saves_nothing(world, api_for, change, field):
    items = Item.objects.count()
    r = api_for(world.leshan_staff).post(BASE, {**VALUES, "unit": world.leshan.pk, **change}, format="json")
    assert r.status_code == 400 and field in r.json(), r.content
    assert not Appeal.objects.exists() and Item.objects.count() == items


def test_a_co_issuer_that_is_no_social_organisation_is_refused(world, api_for):
    r = api_for(world.leshan_staff).post(BASE, {**VALUES, "unit": world.leshan.pk,
                                                "issuers": [world.nanxian_home.pk]}, format="json")
    assert r.status_code == 400 and "issuers" in r.json()
    assert not Appeal.objects.exists()


def test_a_stranger_gets_404(world, api_for):
    appeal = svc.publish_appeal(None, svc.create_appeal(None, world.leshan, VALUES))
    d = svc.publish_disclosure(None, world.leshan, appeal, note="第一期")
    api = api_for(world.nanxian)
    assert api.get(f"{BASE}{appeal.pk}/").status_code == 404
    assert api.patch(f"{BASE}{appeal.pk}/", {"title": "改"}, format="json").status_code == 404
    for step in ("publish", "close", "disclose"):
        assert api.post(f"{BASE}{appeal.pk}/{step}/", {}, format="json").status_code == 404, step
    assert api.get(f"/api/donations/disclosures/{d.pk}/").status_code == 404
    assert api.get(BASE).json()["count"] == 0
    assert api.post(BASE, {**VALUES, "unit": world.leshan.pk}, format="json").status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PUBLISHED and Disclosure.objects.count() == 1


def test_the_clock_says_overdue(world, api_for):
    appeal = svc.publish_appeal(None, svc.create_appeal(None, world.leshan, VALUES), at=f.at("2021-08-05"))
    state = api_for(world.leshan_staff).get(f"{BASE}{appeal.pk}/").json()["clock_state"]
    assert state["due_on"] == "2021-08-10" and state["overdue"] is True


def test_the_catalogue_is_read_by_anyone_signed_in(world, api_for, client):
    f.item("口罩", "KN95", "只")
    f.cash()
    r = api_for(world.cili).get("/api/donations/items/")
    assert r.status_code == 200
    assert [(i["name"], i["specification"]) for i in r.json()["results"]] == [("口罩", "KN95")]
    assert client.get("/api/donations/items/").status_code == 401
