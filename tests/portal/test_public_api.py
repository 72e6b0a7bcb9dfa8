"""The public API (/api/public/…): anonymous reads, totals equal to their rows and to the page's,
consent, no phone anywhere, the receipt lookup, and every other API still closed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from tests.donations import factories as f
from tongxin.donations.models import AppealStatus, DonorKind
from tongxin.portal import services

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


def _story(world):
    a = f.appeal(world.nanxian_home, "南县抗疫募捐倡议")
    mask, water = f.item(), f.item("矿泉水", "550ml×24", "箱")
    d1 = f.donation(world.nanxian_home, [(f.cash(), 28000), (mask, 1000, 2500)], appeal=a,
                    donor="株洲金典装饰工程有限公司", donor_phone=PHONE)
    d2 = f.donation(world.nanxian_home, [(water, 180, 3600)], appeal=a, donor="张三丰", kind=DonorKind.PERSON,
                    public=False, donor_phone=PHONE)
    d3 = f.donation(world.nanxian_home, [(f.cash(), 500)], appeal=a, kind=DonorKind.ANONYMOUS)
    h = f.handover(world.nanxian_home, world.nanxian_home_2, [(mask, 400)], appeal=a, received=True)
    return a, (d1, d2, d3), h


def _all_public_json(anon, a, world) -> list[tuple[str, str]]:
    urls = [reverse("public-appeal-list"), reverse("public-appeal-detail", args=[a.pk]),
            reverse("public-organisation-list"), reverse("public-organisation-detail", args=[world.nanxian_home.pk]),
            reverse("public-notice-list")]
    out = []
    for url in urls:
        r = anon.get(url)
        assert r.status_code == 200, url
        out.append((url, r.content.decode()))
    return out


@pytest.mark.django_db
def test_anonymous_visitor_reads_every_public_endpoint(anon, world):
    a, _ds, _h = _story(world)
    listed = anon.get(reverse("public-appeal-list")).json()
    assert [x["id"] for x in listed["results"]] == [a.pk]
    assert listed["results"][0]["cash_total"] == "28500.00"
    orgs = anon.get(reverse("public-organisation-list")).json()["results"]
    assert world.nanxian_home.pk in [o["id"] for o in orgs]


@pytest.mark.django_db
def test_appeal_totals_equal_the_sum_of_its_rows_and_the_page(anon, client, world):
    a, _ds, _h = _story(world)
    data = anon.get(reverse("public-appeal-detail", args=[a.pk])).json()
    cash = sum(Decimal(g["quantity"]) for g in data["goods"] if g["cash"])
    goods = sum(Decimal(g["value"]) for g in data["goods"] if not g["cash"])
    lines = [ln for d in data["donations"] for ln in d["lines"]]
    assert Decimal(data["cash_total"]) == cash == Decimal("28500")
    assert Decimal(data["goods_value_total"]) == goods == sum(
        Decimal(ln["value"]) for ln in lines if ln["valuation"] != "cash") == Decimal("6100")
    page = client.get(reverse("portal:appeal", args=[a.pk])).content.decode()
    assert "28,500.00" in page and "6,100.00" in page
    feed = json.loads(client.get(reverse("portal:feed")).content)
    in_feed = next(x for x in feed["appeals"] if x["id"] == a.pk)
    assert (in_feed["cash_total"], in_feed["goods_value_total"]) == (data["cash_total"], data["goods_value_total"])
    assert [h["recipient"] for h in data["handovers"]] == ["南县南洲镇敬老院"]
    assert data["clock"]["clock"] == a.clock


@pytest.mark.django_db
def test_a_donor_who_did_not_consent_is_not_named_and_no_phone_appears(anon, world):
    a, _ds, _h = _story(world)
    for url, body in _all_public_json(anon, a, world):
        assert "张三丰" not in body, url
        assert PHONE not in body, url
    donors = [d["donor"] for d in anon.get(reverse("public-appeal-detail", args=[a.pk])).json()["donations"]]
    assert donors == ["株洲金典装饰工程有限公司", "爱心人士", "匿名"]


@pytest.mark.django_db
def test_a_draft_appeal_is_not_public(anon, world):
    draft = f.appeal(world.nanxian_home, "草稿倡议", status=AppealStatus.DRAFT)
    assert anon.get(reverse("public-appeal-detail", args=[draft.pk])).status_code == 404
    assert anon.get(reverse("public-appeal-list")).json()["count"] == 0
    assert anon.get("/api/public/appeals/99999999999999999999/").status_code in (400, 404)


@pytest.mark.django_db
def test_lookup_by_get_and_post_says_where_the_gift_went(anon, world):
    _a, (d1, _d2, _d3), h = _story(world)
    url = reverse("public-lookup-list")
    got = anon.get(url, {"receipt": d1.receipt_number, "code": d1.lookup_code.lower()})
    assert got.status_code == 200
    body = got.json()
    assert body["donation"]["id"] == d1.pk and body["donation"]["donor"] == "株洲金典装饰工程有限公司"
    assert [x["id"] for x in body["handovers"]] == [h.pk] and body["handovers"][0]["recipient"] == "南县南洲镇敬老院"
    posted = anon.post(url, {"receipt": d1.receipt_number, "code": d1.lookup_code}, format="json")
    assert posted.status_code == 200 and posted.json() == body
    assert PHONE not in posted.content.decode()


@pytest.mark.django_db
def test_a_wrong_lookup_code_is_a_404_that_does_not_say_whether_the_receipt_exists(anon, world):
    _a, (d1, _d2, _d3), _h = _story(world)
    url = reverse("public-lookup-list")
    wrong_code = anon.post(url, {"receipt": d1.receipt_number, "code": "XXXX"}, format="json")
    wrong_number = anon.post(url, {"receipt": "NOPE", "code": d1.lookup_code}, format="json")
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert wrong_code.json() == wrong_number.json()
    assert "未找到该捐赠" in wrong_code.json()["detail"]
    assert anon.get(url, {"receipt": d1.receipt_number, "code": "XXXX"}).status_code == 404


@pytest.mark.django_db
def test_a_lookup_without_its_fields_is_a_400_naming_them(anon, db):
    r = anon.post(reverse("public-lookup-list"), {}, format="json")
    assert r.status_code == 400 and set(r.json()) == {"receipt", "code"}


@pytest.mark.django_db
def test_the_lookup_is_throttled_with_the_page(anon, client, world):
    for _i in range(20):
        client.get(reverse("portal:lookup"), {"receipt": "X", "code": "Y"})
    r = anon.post(reverse("public-lookup-list"), {"receipt": "X", "code": "Y"}, format="json")
    assert r.status_code == 429 and "过于频繁" in r.json()["detail"]


@pytest.mark.django_db
def test_only_published_notices_are_listed(anon, world, django_capture_on_commit_callbacks):
    values = {"kind": "notice", "title": "关于接受社会捐赠的公告", "source": "南县民政局", "day": "2021-08-05",
              "body": "正文", "original_url": ""}
    with django_capture_on_commit_callbacks(execute=True):
        shown = services.create_notice(world.nanxian, world.nanxian_bureau, values)
        services.create_notice(world.nanxian, world.nanxian_bureau, {**values, "title": "未发布的草稿"})
    url = reverse("public-notice-list")
    assert anon.get(url).json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(world.nanxian, shown)
    listed = anon.get(url).json()["results"]
    assert [n["title"] for n in listed] == ["关于接受社会捐赠的公告"]
    detail = anon.get(reverse("public-notice-detail", args=[shown.pk])).json()
    assert detail["body"] == "正文" and detail["unit"] == "南县民政局"
    assert anon.get(url, {"kind": "work"}).json()["count"] == 0
    assert anon.get(url, {"kind": "nope"}).status_code == 400


@pytest.mark.django_db
def test_a_new_donation_shows_in_the_api_at_once(anon, world, django_capture_on_commit_callbacks):
    a, _ds, _h = _story(world)
    url = reverse("public-appeal-detail", args=[a.pk])
    assert anon.get(url).json()["cash_total"] == "28500.00"
    with django_capture_on_commit_callbacks(execute=True):
        f.donation(world.nanxian_home, [(f.cash(), 1000)], appeal=a)
    assert anon.get(url).json()["cash_total"] == "29500.00"


@pytest.mark.django_db
def test_staff_apis_still_need_a_login(anon, world, api_for):
    for url in ("/api/donations/stock/", "/api/donations/donations/", "/api/units/"):
        assert anon.get(url).status_code in (401, 403), url
    assert api_for(world.nanxian).get("/api/donations/stock/").status_code == 200


@pytest.mark.django_db
def test_the_schema_lists_the_public_api(world, client_for):
    text = client_for(world.nanxian).get("/api/schema/").content.decode()
    for path in ("/api/public/appeals/{id}/", "/api/public/organisations/", "/api/public/notices/",
                 "/api/public/lookup/"):
        assert path in text
    assert "PublicAppealDetail" in text and "PublicLookup" in text
