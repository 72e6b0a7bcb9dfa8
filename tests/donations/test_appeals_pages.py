"""The appeals pages: a joint appeal drafted, published and disclosed on its pages; bad input gets
words at its field (400) and saves nothing; a stranger gets 404; the overdue clock shows 已逾期."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.donations import factories as f
from tests.world import IN_SERVICE_FROM
from tongxin.donations.models import Appeal, AppealStatus, Disclosure, Item
from tongxin.donations.services import appeals as svc
from tongxin.units import services as units
from tongxin.units.models import Kind

pytestmark = pytest.mark.django_db

FORM = {"title": "乐善助老倡议", "text": "倡议全文", "starts_on": "2021-08-05", "ends_on": "2021-09-05",
        "beneficiary": "慈利县独居老人", "how_to_give": "物资送至乐善中心", "filing_number": "", "clock": "response"}
VALUES = {k: v for k, v in FORM.items() if k != "ends_on"}


def association(name: str, region: str = "430921"):
    return units.create_unit(None, name=name, kind=Kind.INDUSTRY_ASSOCIATION, region_id=region,
                             in_service_from=IN_SERVICE_FROM)


def new_appeal(world, **kw) -> dict:
    return {**FORM, "unit": world.leshan.pk, **kw}


def test_a_joint_appeal_is_drafted_published_and_disclosed_on_its_pages(world, client_for):
    tourism = association("湖南省旅游协会", "430000")
    c = client_for(world.leshan_staff)
    assert c.get(reverse("donations:appeal-create")).status_code == 200
    r = c.post(reverse("donations:appeal-create"), new_appeal(
        world, issuer_1=tourism.pk, need_name_1="口罩", need_specification_1="KN95", need_measure_1="只",
        need_quantity_1="1000", need_name_3="矿泉水", need_measure_3="箱", need_quantity_3="180"))
    assert r.status_code == 302
    appeal = Appeal.objects.get()
    assert r["Location"] == reverse("donations:appeal-detail", args=[appeal.pk])
    page = c.get(r["Location"]).content.decode()
    issuers = page.split('id="appeal-issuers"')[1].split("</table>")[0]
    assert issuers.index("慈利县乐善社会工作服务中心") < issuers.index("湖南省旅游协会")
    assert "口罩（KN95）" in page and "1,000只" in page and "矿泉水" in page
    assert 'id="appeal-publish"' in page and 'id="appeal-public"' not in page

    assert c.post(reverse("donations:appeal-publish", args=[appeal.pk])).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PUBLISHED
    page = c.get(reverse("donations:appeal-detail", args=[appeal.pk])).content.decode()
    assert reverse("portal:appeal", args=[appeal.pk]) in page and 'id="appeal-disclose"' in page
    assert 'id="appeal-edit"' not in page and 'id="appeal-close"' in page

    r = c.post(reverse("donations:appeal-disclose", args=[appeal.pk]),
               {"unit": world.leshan.pk, "note": "第一期公示"})
    assert r.status_code == 302
    d = Disclosure.objects.get()
    assert (d.unit, d.appeal, d.note, d.is_final) == (world.leshan, appeal, "第一期公示", False)
    assert "第一期公示" in c.get(reverse("donations:appeal-detail", args=[appeal.pk])).content.decode()
    listing = c.get(reverse("donations:appeals")).content.decode()
    assert "乐善助老倡议" in listing and "湖南省旅游协会" in listing and "募集中" in listing


def test_the_appeals_tab_comes_first(world, client_for):
    page = client_for(world.leshan_staff).get(reverse("donations:appeals")).content.decode()
    nav = page.split('id="donations-nav"')[1].split("</nav>")[0]
    assert nav.index(reverse("donations:appeals")) < nav.index(reverse("donations:donations"))
    assert 'aria-current="page">募捐倡议' in nav


def test_an_end_before_the_start_is_refused_at_its_field(world, client_for):
    r = client_for(world.leshan_staff).post(reverse("donations:appeal-create"),
                                            new_appeal(world, ends_on="2021-08-01"))
    assert r.status_code == 400
    assert 'data-error="ends_on">结束日期不能早于开始日期' in r.content.decode()
    assert not Appeal.objects.exists()


def test_a_negative_need_is_refused_and_nothing_is_saved(world, client_for):
    items = Item.objects.count()
    r = client_for(world.leshan_staff).post(reverse("donations:appeal-create"), new_appeal(
        world, need_name_1="口罩", need_measure_1="只", need_quantity_1="100",
        need_name_2="方便面", need_measure_2="箱", need_quantity_2="-5"))
    assert r.status_code == 400
    assert 'data-error="need_quantity_2">数量必须大于 0' in r.content.decode()
    assert not Appeal.objects.exists() and Item.objects.count() == items


def test_a_published_appeal_cannot_be_edited(world, client_for):
    appeal = svc.publish_appeal(None, svc.create_appeal(None, world.leshan, VALUES))
    c = client_for(world.leshan_staff)
    r = c.post(reverse("donations:appeal-edit", args=[appeal.pk]), {**FORM, "title": "改过的标题"})
    assert r.status_code == 400 and "倡议已发布，不能再修改" in r.content.decode()
    appeal.refresh_from_db()
    assert appeal.title == "乐善助老倡议"
    r = c.get(reverse("donations:appeal-edit", args=[appeal.pk]), follow=True)
    assert "倡议已发布，不能再修改" in r.content.decode()


def test_a_draft_is_edited_with_its_needs_replaced(world, client_for):
    appeal = svc.create_appeal(None, world.leshan, VALUES,
                               needs=[{"name": "口罩", "specification": "KN95", "measure": "只", "quantity": "10"}])
    c = client_for(world.leshan_staff)
    page = c.get(reverse("donations:appeal-edit", args=[appeal.pk])).content.decode()
    assert 'value="KN95"' in page and 'value="乐善助老倡议"' in page
    r = c.post(reverse("donations:appeal-edit", args=[appeal.pk]), {
        **FORM, "title": "乐善助老联合倡议", "need_name_1": "口罩", "need_specification_1": "N95",
        "need_measure_1": "只", "need_quantity_1": "20"})
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.title == "乐善助老联合倡议"
    assert [(str(n.item), n.quantity) for n in appeal.needs.all()] == [("口罩（N95）", 20)]


def test_a_stranger_gets_404_on_every_appeal_page(world, client_for):
    appeal = svc.create_appeal(None, world.leshan, VALUES)
    c = client_for(world.nanxian)
    assert c.get(reverse("donations:appeal-detail", args=[appeal.pk])).status_code == 404
    assert c.get(reverse("donations:appeal-edit", args=[appeal.pk])).status_code == 404
    for name in ("appeal-edit", "appeal-publish", "appeal-close", "appeal-disclose"):
        assert c.post(reverse(f"donations:{name}", args=[appeal.pk]), FORM).status_code == 404, name
    assert "乐善助老倡议" not in c.get(reverse("donations:appeals")).content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DRAFT and not Disclosure.objects.exists()


def test_an_overdue_disclosure_shows_the_badge_until_one_is_published(world, client_for):
    late = svc.publish_appeal(None, svc.create_appeal(None, world.leshan, VALUES), at=f.at("2021-08-05"))
    svc.publish_appeal(None, svc.create_appeal(None, world.leshan, {**VALUES, "title": "新倡议"}))
    c = client_for(world.leshan_staff)
    listing = c.get(reverse("donations:appeals")).content.decode()
    rows = listing.split('id="appeal-rows"')[1].split("<tbody>")[1].split("</tr>")
    assert ["已逾期" in r for r in rows if "倡议" in r] == [False, True]  # newest first
    assert "2021-08-10" in listing  # 5 days after publication
    detail = c.get(reverse("donations:appeal-detail", args=[late.pk])).content.decode()
    assert 'data-overdue="1"' in detail
    svc.publish_disclosure(None, world.leshan, late)
    assert "已逾期" not in c.get(reverse("donations:appeals")).content.decode()


def test_a_co_issuers_staff_read_the_joint_appeal_and_disclose_for_their_own_unit(world, client_for, api_for):
    lead = association("南县慈善总会")
    appeal = svc.create_appeal(None, lead, VALUES, issuers=[world.leshan])
    svc.publish_appeal(None, appeal)
    c = client_for(world.leshan_staff)  # 乐善 co-issued it; the lead is in another county
    assert "乐善助老倡议" in c.get(reverse("donations:appeals")).content.decode()
    page = c.get(reverse("donations:appeal-detail", args=[appeal.pk]))
    assert page.status_code == 200 and "南县慈善总会" in page.content.decode()
    assert api_for(world.leshan_staff).get(f"/api/donations/appeals/{appeal.pk}/").status_code == 200
    # the lead alone closes it; the co-issuer publishes its own disclosure
    assert c.post(reverse("donations:appeal-close", args=[appeal.pk])).status_code == 403
    done = c.post(reverse("donations:appeal-disclose", args=[appeal.pk]), {"unit": world.leshan.pk, "note": "首期"})
    assert done.status_code == 302 and Disclosure.objects.get().unit == world.leshan
    # a unit outside both issuers' areas sees nothing
    assert client_for(world.home_reporter).get(reverse("donations:appeal-detail", args=[appeal.pk])).status_code == 404
