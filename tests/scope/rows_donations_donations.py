"""Scope-matrix rows of donations received: the API (list, read, record, receive, withdraw, correct,
receipt PDF, corrections; PUT/PATCH/DELETE refused with 405) and the pages. 南县福利院 has a received
donation from a person (whose name no one outside 南县 sees), a pledge, and a correction."""

from __future__ import annotations

from tests.scope.matrix import OWN_HOME, SIGNED_IN, row

DONOR = "赵秀兰"
GIFT = {"donor_kind": "anonymous", "channel": "cash"}


def objects(world, objs) -> dict:
    from tongxin.donations.services import donations
    from tongxin.donations.services.catalogue import cash_item

    def cash(n):
        return [{"item": cash_item(), "quantity": n}]

    person = {"donor_kind": "person", "donor_name": DONOR, "channel": "wechat"}
    received = donations.record_donation(None, world.nanxian_home, person, cash(100))
    pledge = donations.record_donation(None, world.nanxian_home, person, cash(50), received=False)
    pledge_2 = donations.record_donation(None, world.nanxian_home, person, cash(60), received=False)
    to_correct = donations.record_donation(None, world.nanxian_home, person, cash(70))
    corrected = donations.record_donation(None, world.nanxian_home, person, cash(80))
    correction = donations.correct_donation(None, corrected, reason="金额有误", lines=cash(90))
    return {"g_donation": received, "g_pledge": pledge, "g_pledge_2": pledge_2, "g_to_correct": to_correct,
            "g_correction": correction}


def new_gift(o):
    return {"unit": o["g_donation"].unit_id, **GIFT,
            "lines": [{"cash": True, "quantity": "10"}]}


FIX = {"reason": "金额有误", "lines": [{"cash": True, "quantity": "75"}]}

ROWS = [
    row("donations-donation-list", ok=SIGNED_IN, hidden=DONOR, sees=OWN_HOME),
    row("donations-donation-list", "post", body=new_gift, ok=OWN_HOME, ok_status=201),
    row("donations-donation-detail", args=["g_donation"], ok=OWN_HOME),
    row("donations-donation-detail", "put", args=["g_donation"], body={}, ok=SIGNED_IN, ok_status=405),
    row("donations-donation-detail", "patch", args=["g_donation"], body={}, ok=SIGNED_IN, ok_status=405),
    row("donations-donation-detail", "delete", args=["g_donation"], ok=SIGNED_IN, ok_status=405),
    row("donations-donation-receive", "post", args=["g_pledge"], body={}, ok=OWN_HOME),
    row("donations-donation-withdraw", "post", args=["g_pledge_2"], body={}, ok=OWN_HOME),
    row("donations-donation-correct", "post", args=["g_to_correct"], body=FIX, ok=OWN_HOME, ok_status=201),
    row("donations-donation-receipt", args=["g_donation"], ok=OWN_HOME),
    row("donations-correction-list", ok=SIGNED_IN),
    row("donations-correction-detail", args=["g_correction"], ok=OWN_HOME),
    row("donations:donations", ok=SIGNED_IN, hidden=DONOR, sees=OWN_HOME),
    row("donations:donation-create", ok=SIGNED_IN),
    row("donations:donation-create", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("donations:donation-import", ok=SIGNED_IN),
    row("donations:donation-import", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("donations:donation-import-template", ok=SIGNED_IN),
    row("donations:donation-detail", args=["g_donation"], ok=OWN_HOME),
    row("donations:donation-receipt", args=["g_donation"], ok=OWN_HOME),
    row("donations:donation-receive", "post", args=["g_pledge"], body={}, ok=OWN_HOME),
    row("donations:donation-withdraw", "post", args=["g_pledge_2"], body={}, ok=OWN_HOME),
    row("donations:donation-correct", args=["g_donation"], ok=OWN_HOME),
    row("donations:donation-correct", "post", args=["g_donation"], body={}, ok=OWN_HOME, ok_status=400),
]
