"""The story's donations (see donations_story.py), built through the donations services.

Guarantees:
- `build()`, in the order things happened, each call with the story's own moment (`at=`), so every
  disclosure freezes the figures of its day:
  - 株洲市装饰装修行业协会 (login zhuzhou-assoc) publishes its appeal on 2021-08-01; on 2021-08-02 its
    32 member enterprises' gifts are received (28,000 yuan and 500 kg of yellow peaches, 180 cases of
    mineral water, 140 cases of instant noodles and 1,000 masks, valued from invoices), the
    association decides to give everything to 渌口区人民医院 at the hospital's request, hands it over
    at 16:00 with the community cadres, and the hospital's own staff (lukou-hospital) count it and sign
    at 17:10; the association discloses on 08-03 and, the appeal over, in full on 08-11;
  - 湖南省旅游协会 (hn-tourism) publishes the joint appeal of 2021-08-05 with 湖南省旅游饭店协会 and
    湖南省跨境电子商务协会; the latter (hn-ecommerce) receives masks, water and noodles worth
    2,350,900 yuan (customs declarations and invoices; one anonymous gift), hands them to
    张家界市红十字会 in two hand-overs; the second was recorded with 1,200 cases of water instead of
    12,000, the Red Cross (zjj-redcross) counted 12,000, and the association corrects it: the public
    site shows the 更正说明; disclosures on 08-10 and, in full, on 09-20 (the two tourism
    associations, which received nothing themselves, say so in theirs);
  - the department's notices and work reports of those days (通知公告 / 工作动态), published through
    the portal's services;
- `build_live(now, today)`: 张家界市红十字会's winter appeal, published 12 days before the build day,
  three gifts received, disclosed 10 and 5 days ago on the 5-day clock, so its next disclosure is due
  today (never a moment after `now`);
- idempotent: each part is skipped when its appeal exists; deterministic; part of the demo's one
  transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tongxin.accounts.models import User
from tongxin.demo import donations_story as ds
from tongxin.demo import story
from tongxin.demo.reports import local
from tongxin.donations.models import Appeal, Basis, DonorKind, Handover, Item
from tongxin.donations.models.appeals import Clock
from tongxin.donations.services import allocations, appeals, donations, handovers
from tongxin.donations.services.catalogue import cash_item, item_for
from tongxin.units.models import Unit


def _unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _item(goods: ds.Goods) -> Item:
    return item_for(goods.name, goods.specification, goods.measure)


def _appeal(actor: User, unit: Unit, values: dict[str, Any], *, issuers: list[Unit] = (),  # type: ignore[assignment]
            needs: list[dict[str, Any]] = (), at: dt.datetime) -> Appeal:  # type: ignore[assignment]
    appeal = appeals.create_appeal(actor, unit, {"clock": Clock.RESPONSE, **values}, issuers=issuers, needs=needs)
    return appeals.publish_appeal(actor, appeal, at=at)


def _credit_code(name: str) -> str:
    from tongxin.demo.builder import credit_code  # the builder imports this module

    return credit_code("91", story.PROVINCE_CODE, name)


def _goods_line(goods: ds.Goods, quantity: int, *, valuation: str = "invoice") -> dict[str, Any]:
    return {"item": _item(goods), "quantity": quantity, "valuation": valuation, "unit_value": goods.unit_value,
            "value": goods.unit_value * quantity}


def _counts(handover: Handover, actual: dict[int, Decimal] | None = None) -> dict[int, Decimal]:
    return {ln.pk: (actual or {}).get(ln.item_id, ln.sent) for ln in handover.lines.all()}


def _zhuzhou() -> dict[str, int]:
    association = _unit(story.ASSOCIATION)
    hospital = _unit(ds.HOSPITAL)
    staff, nurse = _user("zhuzhou-assoc"), _user("lukou-hospital")
    appeal = _appeal(staff, association, {
        "title": ds.ZHUZHOU_APPEAL, "text": ds.ZHUZHOU_APPEAL_TEXT, "starts_on": ds.ZHUZHOU_APPEAL_STARTS,
        "ends_on": ds.ZHUZHOU_APPEAL_ENDS, "beneficiary": ds.ZHUZHOU_BENEFICIARY,
        "how_to_give": ds.ZHUZHOU_HOW_TO_GIVE},
        needs=[{"item": _item(g), "quantity": q} for g, q in ds.ZHUZHOU_GOODS.items()],
        at=local(ds.ZHUZHOU_APPEAL_STARTS, 9, 0))
    members = list(Unit.objects.filter(member_of=association).order_by("id"))
    by_name = {m.name: m for m in members}
    enterprises = [by_name[name] for name, _region in story.MEMBER_ENTERPRISES]
    for n, gift in enumerate(ds.ZHUZHOU_GIFTS):
        lines: list[dict[str, Any]] = []
        if gift.cash:
            lines.append({"item": cash_item(), "quantity": gift.cash})
        for goods, quantity in ((ds.PEACHES, gift.peaches), (ds.WATER, gift.water), (ds.NOODLES, gift.noodles),
                                (ds.MASKS, gift.masks)):
            if quantity:
                lines.append(_goods_line(goods, quantity))
        member = enterprises[gift.enterprise]
        donations.record_donation(staff, association, {
            "appeal_id": appeal.pk, "donor_kind": DonorKind.ENTERPRISE, "donor_enterprise_id": member.pk,
            "name_public": gift.name_public, "channel": "bank" if gift.cash else "",
            "reference": f"ZZ20210802{n + 1:03d}" if gift.cash else ""},
            lines, at=local(ds.GIVING_DAY, 8 + n * 7 // 32, (n * 13) % 60))
    everything = [(cash_item(), Decimal(ds.ZHUZHOU_CASH))]
    everything += [(_item(g), Decimal(q)) for g, q in ds.ZHUZHOU_GOODS.items()]
    allocation = allocations.decide(
        staff, association, appeal=appeal, recipient=hospital, basis=Basis.REQUEST,
        basis_text="渌口区人民医院来电：一线医护人员急需生活物资和防护用品", decided_by="协会会长办公会",
        decided_at=local(ds.GIVING_DAY, 15, 0), lines=[{"item": i, "quantity": q} for i, q in everything])
    sent = handovers.send(staff, association, recipient=hospital, appeal=appeal, allocation=allocation,
                          lines=[{"item": i, "quantity": q} for i, q in everything], carrier=ds.CARRIER,
                          sent_at=dt.datetime.combine(ds.GIVING_DAY, ds.HANDED_OVER_AT,
                                                      tzinfo=local(ds.GIVING_DAY, 0, 0).tzinfo))
    handovers.confirm(nurse, sent, counts=_counts(sent), note="已逐项清点，数量无误；签收单由院办盖章留存",
                      at=dt.datetime.combine(ds.GIVING_DAY, ds.CONFIRMED_AT, tzinfo=sent.sent_at.tzinfo))
    appeals.publish_disclosure(staff, association, appeal, note="8月2日接收捐赠及交付渌口区人民医院情况",
                               at=local(dt.date(2021, 8, 3), 10, 0))
    appeals.close_appeal(staff, appeal, at=local(ds.ZHUZHOU_APPEAL_ENDS, 18, 0))
    appeals.publish_disclosure(staff, association, appeal, note="募集结束，全部款物已交付，全文公开", is_final=True,
                               at=local(dt.date(2021, 8, 11), 10, 0))
    return {"donations_zhuzhou_gifts": len(ds.ZHUZHOU_GIFTS)}


def _joint() -> dict[str, int]:
    lead, ecommerce, red_cross = _unit(ds.JOINT_ISSUERS[0]), _unit(ds.ECOMMERCE), _unit(ds.RED_CROSS)
    tourism, staff, receiver = _user("hn-tourism"), _user("hn-ecommerce"), _user("zjj-redcross")
    appeal = _appeal(tourism, lead, {
        "title": ds.JOINT_APPEAL, "text": ds.JOINT_APPEAL_TEXT, "starts_on": ds.JOINT_APPEAL_ON,
        "ends_on": ds.JOINT_APPEAL_ENDS, "beneficiary": ds.JOINT_BENEFICIARY, "how_to_give": ds.JOINT_HOW_TO_GIVE},
        issuers=[_unit(name) for name in ds.JOINT_ISSUERS[1:]],
        needs=[{"item": _item(ds.KN95), "quantity": 500_000}, {"item": _item(ds.E_WATER), "quantity": 10_000}],
        at=local(ds.JOINT_APPEAL_ON, 9, 30))
    for n, gift in enumerate(ds.ECOMMERCE_GIFTS):
        line: dict[str, Any] = {"item": _item(gift.goods), "quantity": gift.quantity, "valuation": gift.valuation,
                                "value": gift.value}
        if gift.value == gift.goods.unit_value * gift.quantity:
            line["unit_value"] = gift.goods.unit_value
        donor: dict[str, Any] = ({"donor_kind": DonorKind.ANONYMOUS} if not gift.donor else
                                 {"donor_kind": DonorKind.ENTERPRISE, "donor_name": gift.donor,
                                  "donor_credit_code": _credit_code(gift.donor), "name_public": True})
        donations.record_donation(staff, ecommerce, {"appeal_id": appeal.pk, **donor}, [line],
                                  at=local(gift.day, 10 + n, 0))
    totals: dict[ds.Goods, int] = {}
    for gift in ds.ECOMMERCE_GIFTS:
        totals[gift.goods] = totals.get(gift.goods, 0) + gift.quantity
    c = ds.CORRECTION
    sent: list[Handover] = []
    for n, (when, kinds) in enumerate(ds.ECOMMERCE_HANDOVERS):
        moment = when.replace(tzinfo=local(when.date(), 0, 0).tzinfo)
        lines = [{"item": _item(g), "quantity": c.recorded if (n, g) == (c.handover, c.goods) else totals[g]}
                 for g in kinds]
        h = handovers.send(staff, ecommerce, recipient=red_cross, appeal=appeal, lines=lines,
                           carrier="张家界市红十字会派车到长沙仓库提货", sent_at=moment)
        actual = {_item(g).pk: Decimal(totals[g]) for g in kinds}
        note = "" if n != c.handover else f"{c.goods.name}实收 {c.actual} 箱，与发出登记 {c.recorded} 箱不符"
        handovers.confirm(receiver, h, counts=_counts(h, actual), note=note or "已清点入库，签收单已拍照存档",
                          at=moment + dt.timedelta(hours=3))
        sent.append(h)
    wrong = sent[c.handover]
    handovers.correct_handover(staff, wrong, reason=c.reason, at=local(c.day, 20, 0), lines=[
        {"item": ln.item, "quantity": c.actual if ln.item == _item(c.goods) else ln.sent}
        for ln in wrong.lines.select_related("item")])
    appeals.publish_disclosure(staff, ecommerce, appeal, note="8月5日至8月8日接收和交付情况（含更正说明）",
                               at=local(dt.date(2021, 8, 10), 10, 0))
    appeals.close_appeal(tourism, appeal, at=local(ds.JOINT_APPEAL_ENDS, 18, 0))
    appeals.publish_disclosure(staff, ecommerce, appeal, note="募集结束，全文公开", is_final=True,
                               at=local(dt.date(2021, 9, 20), 10, 0))
    for name, actor in zip(ds.JOINT_ISSUERS[:2], (tourism, None), strict=True):  # the hotel association has no login
        appeals.publish_disclosure(actor, _unit(name), appeal, is_final=True, at=local(dt.date(2021, 9, 20), 11, 0),
                                   note=f"本会未直接接收款物；本倡议所募款物均由{ds.ECOMMERCE}接收并交付{ds.RED_CROSS}")
    return {"donations_ecommerce_gifts": len(ds.ECOMMERCE_GIFTS)}


def _notices() -> int:
    from tongxin.portal import services as portal
    from tongxin.portal.models import Notice

    made = 0
    for n in ds.NOTICES:
        unit = _unit(n.bureau)
        if Notice.objects.filter(unit=unit, title=n.title).exists():
            continue
        notice = portal.create_notice(None, unit, {"kind": n.kind, "title": n.title, "source": n.source,
                                                   "author": n.author, "day": n.day, "body": n.body})
        portal.publish(None, notice)
        made += 1
    return made


def build() -> dict[str, int]:
    """The 2021 story's appeals, gifts, hand-overs, correction, disclosures and the department's
    notices (see the module docstring)."""
    counts = {"donations_zhuzhou_gifts": len(ds.ZHUZHOU_GIFTS), "donations_ecommerce_gifts": len(ds.ECOMMERCE_GIFTS),
              "donations_built": 0}
    if not Appeal.objects.filter(title=ds.ZHUZHOU_APPEAL).exists():
        counts.update(_zhuzhou())
        counts["donations_built"] += 1
    if not Appeal.objects.filter(title=ds.JOINT_APPEAL).exists():
        counts.update(_joint())
        counts["donations_built"] += 1
    counts["notices_published"] = _notices()
    story_appeals = (ds.ZHUZHOU_APPEAL, ds.JOINT_APPEAL)
    counts["donations_handovers"] = Handover.objects.filter(appeal__title__in=story_appeals).count()
    return counts


def build_live(now: dt.datetime, today: dt.date) -> dict[str, int]:
    """The live drill's winter appeal, its next 5-day disclosure due today (see the module docstring)."""
    if Appeal.objects.filter(title=ds.LIVE_APPEAL).exists():
        return {"live_donations": len(ds.LIVE_GIFTS)}
    red_cross, staff = _unit(ds.RED_CROSS), _user("zjj-redcross")

    def moment(offset: int, hh: int) -> dt.datetime:
        return min(local(today + dt.timedelta(days=offset), hh, 0), now)

    appeal = _appeal(staff, red_cross, {
        "title": ds.LIVE_APPEAL, "text": ds.LIVE_APPEAL_TEXT, "starts_on": today + dt.timedelta(days=ds.LIVE_STARTS),
        "beneficiary": "张家界市独居、留守老人", "how_to_give": "物资送至张家界市红十字会（永定区），联系人覃玉兰"},
        needs=[{"item": _item(g), "quantity": q} for g, q in ds.LIVE_NEEDS], at=moment(ds.LIVE_STARTS, 9))
    gifts = sorted(ds.LIVE_GIFTS)
    disclosures = list(ds.LIVE_DISCLOSURES)
    for offset, donor, quilts, heaters in gifts:
        while disclosures and disclosures[0] < offset:
            appeals.publish_disclosure(staff, red_cross, appeal, note="御寒物资接收情况",
                                       at=moment(disclosures.pop(0), 10))
        lines = [_goods_line(g, q) for g, q in ((ds.LIVE_NEEDS[0][0], quilts), (ds.LIVE_NEEDS[1][0], heaters)) if q]
        values: dict[str, Any] = ({"donor_kind": DonorKind.ANONYMOUS} if not donor else
                                  {"donor_kind": DonorKind.ENTERPRISE, "donor_name": donor,
                                   "donor_credit_code": _credit_code(donor), "name_public": True})
        donations.record_donation(staff, red_cross, {"appeal_id": appeal.pk, **values}, lines,
                                  at=moment(offset, 14))
    for offset in disclosures:
        appeals.publish_disclosure(staff, red_cross, appeal, note="御寒物资接收情况", at=moment(offset, 10))
    return {"live_donations": len(ds.LIVE_GIFTS)}
