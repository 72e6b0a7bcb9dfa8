"""The pages of donations received: the board, recording on a phone, the detail with its receipt,
receiving a pledge, the batch upload; and scope (a stranger county gets 404)."""

import pytest
from django.urls import reverse

from tests.donations.gifts import association, cash, give, goods
from tongxin.donations.models import Donation, DonationStatus

pytestmark = pytest.mark.django_db


def test_the_hub_sends_an_organisations_staff_to_their_board(world, client_for):
    response = client_for(world.leshan_staff).get(reverse("donations:index"))
    assert response.status_code == 302 and response.url == reverse("donations:donations")


def test_the_board_lists_and_totals_the_donations(world, client_for):
    give(world, [cash(28000)])
    give(world, [goods(1000, value="2500")])
    page = client_for(world.leshan_staff).get(reverse("donations:donations")).content.decode()
    assert "28,000.00" in page and "口罩（KN95）" in page and "王秀英" in page and "捐赠登记" in page


def test_the_province_sees_the_persons_name_masked(world, client_for):
    give(world, [cash(1)])
    page = client_for(world.hunan).get(reverse("donations:donations")).content.decode()
    assert "王某某" in page and "王秀英" not in page


def test_cash_is_recorded_from_the_form(world, client_for):
    member, _second = association(world)
    response = client_for(world.leshan_staff).post(reverse("donations:donation-create"), {
        "unit": world.leshan.pk, "received": "on", "donor_kind": "enterprise", "donor_enterprise_id": member.pk,
        "name_public": "on", "gift": "cash", "quantity": "28000", "channel": "bank"})
    d = Donation.objects.get()
    assert response.status_code == 302 and d.donor_enterprise == member and d.status == DonationStatus.RECEIVED


def test_a_bad_value_is_shown_at_its_field(world, client_for):
    response = client_for(world.leshan_staff).post(reverse("donations:donation-create"), {
        "unit": world.leshan.pk, "received": "on", "donor_kind": "anonymous", "gift": "goods", "name": "口罩",
        "specification": "KN95", "measure": "只", "quantity": "1000", "valuation": "invoice", "unit_value": "2.5",
        "value": "2600"})
    assert response.status_code == 400 and 'data-error="value"' in response.content.decode()
    assert not Donation.objects.exists()


def test_the_detail_offers_the_receipt_and_a_pledge_is_received(world, client_for):
    c = client_for(world.leshan_staff)
    pledge = give(world, [cash(100)], received=False)
    assert "donation-receive" in c.get(reverse("donations:donation-detail", args=[pledge.pk])).content.decode()
    c.post(reverse("donations:donation-receive", args=[pledge.pk]))
    pledge.refresh_from_db()
    assert pledge.status == DonationStatus.RECEIVED
    pdf = c.get(reverse("donations:donation-receipt", args=[pledge.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_stranger_county_gets_404(world, client_for):
    d = give(world, [cash(1)])
    c = client_for(world.nanxian)
    assert c.get(reverse("donations:donation-detail", args=[d.pk])).status_code == 404
    assert c.get(reverse("donations:donation-receipt", args=[d.pk])).status_code == 404


def test_the_import_page_and_template(world, client_for):
    c = client_for(world.leshan_staff)
    assert c.get(reverse("donations:donation-import")).status_code == 200
    assert c.get(reverse("donations:donation-import-template")).status_code == 200


def test_the_api_refuses_an_edit_with_words(world, api_for):
    d = give(world, [cash(1)])
    for method in ("put", "patch", "delete"):
        response = getattr(api_for(world.leshan_staff), method)(f"/api/donations/donations/{d.pk}/", {}, format="json")
        assert response.status_code == 405 and "已冻结" in response.json()["detail"]
    pledge = give(world, [cash(1)], received=False)
    for method in ("put", "patch", "delete"):
        response = getattr(api_for(world.leshan_staff), method)(f"/api/donations/donations/{pledge.pk}/", {},
                                                                 format="json")
        assert response.status_code == 405 and "撤回" in response.json()["detail"]  # a pledge is not frozen
        stranger = getattr(api_for(world.nanxian), method)(f"/api/donations/donations/{pledge.pk}/", {}, format="json")
        assert stranger.status_code == 405 and "撤回" not in stranger.json()["detail"]  # nothing told of it
    assert api_for(world.leshan_staff).post("/api/donations/donations/", {}, format="json").status_code == 400
    operations = api_for(world.leshan_staff).get("/api/schema/?format=json").json()["paths"]
    assert set(operations["/api/donations/donations/{id}/"]) == {"get"}  # no operation that only refuses


def test_a_gift_is_recorded_under_the_appeal_and_a_fair_value_names_the_approver_by_name(world, client_for):
    from tests.donations import factories as f
    from tests.world import person
    from tongxin.units.models import Role

    appeal = f.appeal(world.leshan, "乐善冬衣倡议")
    other = person("leshan-2", world.leshan, Role.SOCIAL_STAFF, "乐善二号")
    c = client_for(world.leshan_staff)
    form = c.get(reverse("donations:donation-create") + f"?appeal={appeal.pk}").content.decode()
    assert "乐善冬衣倡议" in form and f'<option value="{appeal.pk}" selected>' in form
    assert "乐善二号 · 慈利县乐善社会工作服务中心" in form and "乐善社工 · " not in form  # never oneself
    response = c.post(reverse("donations:donation-create"), {
        "unit": world.leshan.pk, "appeal_id": appeal.pk, "received": "on", "donor_kind": "anonymous",
        "gift": "goods", "name": "棉衣", "measure": "件", "quantity": "20", "valuation": "fair_value",
        "value": "1600", "valuation_note": "同款市场价约 80 元", "valuation_approved_by": other.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    d = Donation.objects.get()
    assert d.appeal == appeal and d.lines.get().valuation_approved_by == other
