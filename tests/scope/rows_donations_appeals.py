"""Scope-matrix rows of appeals (募捐倡议) and disclosures: the pages and the API. 南县福利院 leads a
draft appeal (to edit and publish) and a published one (to close and disclose), which has one
disclosure already. 南县's and the province's officers and the home's reporter may act on them;
the item catalogue is read by everyone signed in."""

from __future__ import annotations

from tests.scope.matrix import OWN_HOME, SIGNED_IN, row

TITLE = "南县福利院助学倡议"
DRAFT = "南县福利院冬衣倡议"
NOTE = "南县福利院第一期公示"
VALUES = {"text": "倡议全文", "starts_on": "2021-08-05", "beneficiary": "院内儿童", "how_to_give": "送至福利院门卫室"}
CREATORS = OWN_HOME | {"cili"}  # who has units to issue for (cili: in its own county)


def objects(world, objs) -> dict:
    from tongxin.donations.services import appeals

    draft = appeals.create_appeal(None, world.nanxian_home, {**VALUES, "title": DRAFT},
                                  needs=[{"name": "棉衣", "specification": "儿童", "measure": "件", "quantity": "50"}])
    published = appeals.create_appeal(None, world.nanxian_home, {**VALUES, "title": TITLE})
    published = appeals.publish_appeal(None, published)
    disclosure = appeals.publish_disclosure(None, world.nanxian_home, published, note=NOTE)
    from tongxin.donations.models import Item

    return {"a_draft": draft, "a_published": published, "a_disclosure": disclosure,
            "a_item": Item.objects.get(name="棉衣")}


def _new(o):
    return {"unit": o["home"].pk, "title": "新倡议", **VALUES,
            "needs": [{"name": "矿泉水", "measure": "箱", "quantity": "10"}]}


ROWS = [
    # --- pages -----------------------------------------------------------------------------------
    row("donations:appeals", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("donations:appeal-create", ok=CREATORS, other=403),
    row("donations:appeal-create", "post", body={}, ok=CREATORS, ok_status=400, other=403),
    row("donations:appeal-detail", args=["a_published"], ok=OWN_HOME),
    row("donations:appeal-edit", args=["a_draft"], ok=OWN_HOME),
    row("donations:appeal-edit", "post", args=["a_draft"], body={}, ok=OWN_HOME, ok_status=400),
    row("donations:appeal-publish", "post", args=["a_draft"], ok=OWN_HOME),
    row("donations:appeal-close", "post", args=["a_published"], ok=OWN_HOME),
    row("donations:appeal-disclose", "post", args=["a_published"], body=lambda o: {"unit": o["home"].pk},
        ok=OWN_HOME),
    # --- API -------------------------------------------------------------------------------------
    row("donations-appeal-list", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("donations-appeal-list", "post", body=_new, ok=OWN_HOME, ok_status=201),
    row("donations-appeal-detail", args=["a_published"], ok=OWN_HOME),
    row("donations-appeal-detail", "patch", args=["a_draft"], body={"title": "改过的标题"}, ok=OWN_HOME),
    row("donations-appeal-detail", "put", args=["a_draft"], body=lambda o: {**VALUES, "title": "改过的标题"},
        ok=OWN_HOME),
    row("donations-appeal-publish", "post", args=["a_draft"], body={}, ok=OWN_HOME),
    row("donations-appeal-close", "post", args=["a_published"], body={}, ok=OWN_HOME),
    row("donations-appeal-disclose", "post", args=["a_published"], body={"note": "第二期"}, ok=OWN_HOME,
        ok_status=201),
    row("donations-disclosure-list", ok=SIGNED_IN, hidden=NOTE, sees=OWN_HOME),
    row("donations-disclosure-detail", args=["a_disclosure"], ok=OWN_HOME),
    row("donations-item-list", ok=SIGNED_IN),
    row("donations-item-detail", args=["a_item"], ok=SIGNED_IN),
]
