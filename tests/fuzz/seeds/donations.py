"""Seeds for donations: appeals, donations, allocations, handovers, adjustments, discrepancies.

The story: 慈利县乐善社会工作服务中心 (the world's social organisation, staff `leshan`) issues an appeal,
records gifts from 王秀英 and 株洲金典, hands water to 慈利县零阳镇敬老院, whose own reporter
signs for them. Everything the requests act on is built through the donations services."""

from __future__ import annotations

import io
import json

from tests.donations import factories as f
from tests.donations.gifts import CODE_JINDIAN, cash, give, goods
from tests.fuzz.seeds import Seed, seed
from tests.world import person
from tongxin.donations.models import Discrepancy
from tongxin.donations.services import appeals as appeals_svc
from tongxin.donations.services import donations as donations_svc
from tongxin.donations.services import handovers as handovers_svc
from tongxin.donations.services import stock as stock_svc
from tongxin.units.models import Role

APPEAL = {"title": "乐善助老倡议", "text": "为慈利县独居老人募集防汛物资", "starts_on": "2021-07-26",
          "beneficiary": "慈利县独居老人", "how_to_give": "物资送至乐善中心", "clock": "response"}
PLEDGE = {"donor_kind": "person", "donor_name": "王秀英", "donor_phone": "13907441234", "name_public": True,
          "channel": "wechat"}


def _water(w, quantity=180):
    """Water in 乐善's stock (a received gift), for allocations, adjustments and hand-overs."""
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    give(w, [goods(quantity, name="矿泉水", spec="550ml×24瓶", measure="箱", value="5400")])
    return water


def _draft(w):
    return appeals_svc.create_appeal(w.leshan_staff, w.leshan, APPEAL)


def _published(w):
    return appeals_svc.publish_appeal(w.leshan_staff, _draft(w))


def _second(w):
    """A second member of 乐善's staff: the one who asks for an adjustment that `leshan` decides."""
    return person("leshan-2", w.leshan, Role.SOCIAL_STAFF, "乐善出纳")


def _receiver(w):
    """慈利县零阳镇敬老院's own reporter, who alone signs for what arrives there."""
    return person("lingyang-home-01", w.cili_home, Role.REPORTER, "零阳镇敬老院填报员")


def _photo() -> bytes:
    """A small JPEG: the photo of the signed delivery slip."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def _sent(w, quantity="100"):
    water = _water(w)
    return water, handovers_svc.send(w.leshan_staff, w.leshan, recipient=w.cili_home, carrier="慈利县顺达物流",
                                     lines=[{"item": water, "quantity": quantity}])


# Appeals ------------------------------------------------------------------------------------------

@seed("POST /api/donations/appeals/")
def create_appeal(w):
    return Seed("leshan", body={**APPEAL, "unit": w.leshan.pk, "ends_on": "2021-08-31",
                                "needs": [{"name": "矿泉水", "specification": "550ml×24瓶", "measure": "箱",
                                           "quantity": "500", "note": "防汛安置点急需"}]})


@seed("PUT /api/donations/appeals/{id}/")
def edit_appeal(w):
    return Seed("leshan", path={"id": _draft(w).pk},
                body={**APPEAL, "title": "乐善助老防汛倡议", "ends_on": "2021-08-31",
                      "needs": [{"name": "口罩", "specification": "KN95", "measure": "只", "quantity": "2000"}]})


@seed("PATCH /api/donations/appeals/{id}/")
def change_appeal(w):
    return Seed("leshan", path={"id": _draft(w).pk}, body={"title": "乐善助老联合倡议"})


@seed("POST /api/donations/appeals/{id}/publish/")
def publish_appeal(w):
    return Seed("leshan", path={"id": _draft(w).pk})


@seed("POST /api/donations/appeals/{id}/close/")
def close_appeal(w):
    return Seed("leshan", path={"id": _published(w).pk})


@seed("POST /api/donations/appeals/{id}/disclose/")
def disclose(w):
    appeal = _published(w)
    donations_svc.record_donation(w.leshan_staff, w.leshan, {**PLEDGE, "appeal_id": appeal.pk}, [cash(2000)])
    return Seed("leshan", path={"id": appeal.pk}, body={"unit": w.leshan.pk, "note": "第一期：7 月 26 日至 8 月 1 日",
                                                         "is_final": False})


# Donations ----------------------------------------------------------------------------------------

@seed("POST /api/donations/donations/")
def record_donation(w):
    return Seed("leshan", body={
        "unit": w.leshan.pk, "received": True, "donor_kind": "enterprise", "donor_name": "株洲金典装饰工程有限公司",
        "donor_credit_code": CODE_JINDIAN, "name_public": True, "channel": "bank", "reference": "转账 20210726001",
        "note": "防汛捐赠",
        "lines": [{"cash": True, "quantity": "28000"},
                  {"name": "口罩", "specification": "KN95", "measure": "只", "quantity": "1000",
                   "valuation": "invoice", "value": "2500", "expiry_date": "2023-07-01", "lot": "20210701"}]})


def _pledge(w):
    return give(w, [goods(200, name="方便面", spec="红烧牛肉面 24 袋", measure="箱", value="9600")], PLEDGE,
                received=False)


@seed("POST /api/donations/donations/{id}/receive/")
def receive_pledge(w):
    return Seed("leshan", path={"id": _pledge(w).pk})


@seed("POST /api/donations/donations/{id}/withdraw/")
def withdraw_pledge(w):
    return Seed("leshan", path={"id": _pledge(w).pk}, body={"reason": "捐赠人改为直接送往安置点"})


@seed("POST /api/donations/donations/{id}/correct/")
def correct_donation(w):
    d = give(w, [goods(1000, value="2500")])
    return Seed("leshan", path={"id": d.pk}, body={"reason": "口罩数量录入有误，实收 1200 只", "lines": [
        {"name": "口罩", "specification": "KN95", "measure": "只", "quantity": "1200", "valuation": "invoice",
         "value": "3000"}]})


# Stock: adjustments and allocations -----------------------------------------------------------------

@seed("POST /api/donations/adjustments/")
def request_adjustment(w):
    water = _water(w)
    return Seed("leshan", body={"unit": w.leshan.pk, "item": water.pk, "quantity": "-20", "reason": "damaged",
                                "note": "运输途中破损 20 箱"})


def _adjustment(w):
    water = _water(w)
    return stock_svc.request_adjustment(_second(w), w.leshan, appeal=None, item=water, quantity="-20",
                                        reason="damaged", note="运输途中破损 20 箱")


@seed("POST /api/donations/adjustments/{id}/approve/")
def approve_adjustment(w):
    return Seed("leshan", path={"id": _adjustment(w).pk}, body={"note": "已核对破损照片"})


@seed("POST /api/donations/adjustments/{id}/reject/")
def reject_adjustment(w):
    return Seed("leshan", path={"id": _adjustment(w).pk}, body={"note": "破损数量与照片不符，请重新清点"})


@seed("POST /api/donations/allocations/")
def allocate(w):
    water = _water(w)
    return Seed("leshan", body={"unit": w.leshan.pk, "recipient": w.cili_home.pk, "basis": "request",
                                "basis_text": "零阳镇敬老院 7 月 26 日来函", "decided_by": "协会秘书长",
                                "decided_at": "2021-07-26T10:00:00+08:00",
                                "lines": [{"item": water.pk, "quantity": "100"}]})


# Hand-overs and discrepancies ---------------------------------------------------------------------

@seed("POST /api/donations/handovers/")
def send_handover(w):
    water = _water(w)
    return Seed("leshan", body={"unit": w.leshan.pk, "recipient": w.cili_home.pk, "carrier": "慈利县顺达物流",
                                "note": "防汛物资第一批", "lines": [{"item": water.pk, "quantity": "100"}]})


@seed("POST /api/donations/handovers/{id}/confirm/")
def confirm_handover(w):
    """Signed for as the home's reporter does on a phone: the count and a photo of the signed slip (multipart)."""
    _receiver(w)
    _water_, handover = _sent(w)
    line = handover.lines.get()
    return Seed("lingyang-home-01", path={"id": handover.pk}, media_type="multipart/form-data",
                body={"counts": json.dumps({str(line.pk): "100"}), "photos": [_photo()]})


@seed("POST /api/donations/handovers/{id}/correct/")
def correct_handover(w):
    water, handover = _sent(w)
    return Seed("leshan", path={"id": handover.pk},
                body={"reason": "少录 20 箱", "lines": [{"item": water.pk, "quantity": "120"}]})


@seed("POST /api/donations/discrepancies/{id}/resolve/")
def resolve_discrepancy(w):
    receiver = _receiver(w)
    _water_, handover = _sent(w)
    line = handover.lines.get()
    handovers_svc.confirm(receiver, handover, counts={line.pk: "98"}, note="少 2 箱，外箱破损")
    case = Discrepancy.objects.get(handover=handover)
    return Seed("leshan", path={"id": case.pk}, body={"resolution": "运输途中破损 2 箱，已由物流赔付"})
