"""Scope-matrix rows of hand-overs and discrepancies. Two hand-overs in 南县: one from 南县福利院 to
南县南洲镇敬老院 (its reporter sent it: he may correct it, not sign for it), and one from 南洲镇敬老院
into 南县福利院 (its reporter alone signs for it: not the bureaus above, not the sender). A third,
from 南县福利院, was counted short: its discrepancy waits for the sender."""

from __future__ import annotations

from tests.scope.matrix import OWN, OWN_HOME, SIGNED_IN, row

ITEM = "南县防护口罩"
CARRIER = "南县社区干部随车送达"


def objects(world, objs) -> dict:
    from tests.donations import factories
    from tests.world import person
    from tongxin.donations.services import handovers
    from tongxin.units.models import Role

    mask = factories.item(ITEM, "KN95", "只")
    factories.donation(world.nanxian_home, [(mask, 1000, 2500)])
    factories.donation(world.nanxian_home_2, [(mask, 300, 750)])
    nanzhou = person("nanzhou-home-matrix", world.nanxian_home_2, Role.REPORTER, "南洲镇敬老院填报员")
    out = handovers.send(world.home_reporter, world.nanxian_home, recipient=world.nanxian_home_2,
                         lines=[{"item": mask, "quantity": 100}], carrier=CARRIER)
    into = handovers.send(nanzhou, world.nanxian_home_2, recipient=world.nanxian_home,
                          lines=[{"item": mask, "quantity": 50}], carrier=CARRIER)
    into_2 = handovers.send(nanzhou, world.nanxian_home_2, recipient=world.nanxian_home,
                            lines=[{"item": mask, "quantity": 20}], carrier=CARRIER)
    short = handovers.send(world.home_reporter, world.nanxian_home, recipient=world.nanxian_home_2,
                           lines=[{"item": mask, "quantity": 30}], carrier=CARRIER)
    line = short.lines.get()
    handovers.confirm(nanzhou, short, counts={line.pk: 28}, note="少了 2 只")
    short.refresh_from_db()
    return {"h_item": mask, "h_out": out, "h_into": into, "h_into_2": into_2, "h_short": short,
            "h_case": short.discrepancy}


def _send(o):
    return {"unit": o["home"].pk, "recipient": o["home_2"].pk, "lines": [{"item": o["h_item"].pk, "quantity": "1"}]}


def _counts(o):
    return {"counts": {str(ln.pk): str(ln.sent) for ln in o["h_into_2"].lines.all()}, "note": "无法拍照，已手写签收"}


def _confirm_form(o):
    return {**{f"count_{ln.pk}": str(ln.sent) for ln in o["h_into"].lines.all()}, "note": "无法拍照，已手写签收"}



def _fix(o):
    return {"reason": "数量录错", "lines": [{"item": o["h_item"].pk, "quantity": "90"}]}


ROWS = [
    row("donations:handovers", ok=SIGNED_IN, hidden=CARRIER, sees=OWN_HOME),
    row("donations:handover-create", ok=OWN_HOME, other=403),
    row("donations:handover-create", "post", body={}, ok=OWN_HOME, ok_status=400, other=403),
    row("donations:handover-detail", args=["h_out"], ok=OWN_HOME),
    row("donations:handover-detail", args=["h_into"], ok=OWN_HOME),
    row("donations:handover-confirm", "post", args=["h_into"], body=_confirm_form, ok={"home_reporter"},
        forbidden=OWN),
    row("donations:handover-resolve", "post", args=["h_short"], body={"resolution": "复核后实为 28 只"},
        ok=OWN_HOME),
    row("donations:handover-correct", args=["h_out"], ok=OWN_HOME),
    row("donations:handover-correct", "post", args=["h_out"], body={}, ok=OWN_HOME, ok_status=400),
    row("donations-handover-list", ok=SIGNED_IN, hidden=CARRIER, sees=OWN_HOME),
    row("donations-handover-list", "post", body=_send, ok=OWN_HOME, ok_status=201),
    row("donations-handover-detail", args=["h_out"], ok=OWN_HOME),
    row("donations-handover-detail", "put", args=["h_out"], body={}, ok=SIGNED_IN, ok_status=405),
    row("donations-handover-detail", "delete", args=["h_out"], ok=SIGNED_IN, ok_status=405),
    row("donations-handover-confirm", "post", args=["h_into_2"], body=_counts, ok={"home_reporter"},
        forbidden=OWN),
    row("donations-handover-correct", "post", args=["h_out"], body=_fix, ok=OWN_HOME, ok_status=201),
    row("donations-discrepancy-list", ok=SIGNED_IN),
    row("donations-discrepancy-detail", args=["h_case"], ok=OWN_HOME),
    row("donations-discrepancy-resolve", "post", args=["h_case"], body={"resolution": "复核后实为 28 只"},
        ok=OWN_HOME),
]
