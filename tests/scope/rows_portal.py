"""Scope-matrix rows of the public site and its API (/api/public/…): open to everybody (anonymous
included), read-only, and it never shows the 南县 donor who gave no consent nor an unpublished
notice. Then the staff's notice pages: 南县民政局's notices are written by its officer and the
province's above it; a stranger county's officer gets 404."""

from __future__ import annotations

from tests.scope.matrix import OFFICERS, OWN, SIGNED_IN, row

EVERYONE = dict(ok=SIGNED_IN, anonymous=200)
NOBODY = dict(ok=frozenset(), other=404, anonymous=404)
DRAFT = "南县未发布的公告"
HIDDEN = "不愿公开的张先生"


def objects(world, objs) -> dict:
    from django.core.cache import cache

    from tests.donations import factories as f
    from tongxin.donations.models import DonorKind
    from tongxin.portal import services

    cache.clear()  # each row starts with no cached page and a fresh lookup count
    appeal = f.appeal(world.nanxian_home, "南县公开倡议")
    gift = f.donation(world.nanxian_home, [(f.cash(), 100)], appeal=appeal, donor=HIDDEN,
                      kind=DonorKind.PERSON, public=False)
    values = {"kind": "notice", "title": DRAFT, "source": "南县民政局", "day": "2021-08-05", "body": "正文"}
    draft = services.create_notice(world.nanxian, world.nanxian_bureau, values)
    shown = services.publish(world.nanxian, services.create_notice(world.nanxian, world.nanxian_bureau,
                                                                   {**values, "title": "南县已发布的公告"}))
    return {"p_appeal": appeal, "p_org": world.nanxian_home, "p_gift": gift, "p_draft": draft, "p_notice": shown,
            "p_bureau": world.nanxian_bureau}


def _receipt(o) -> dict:
    return {"receipt": o["p_gift"].receipt_number, "code": o["p_gift"].lookup_code}


def _wrong_code(o) -> dict:
    return {"receipt": o["p_gift"].receipt_number, "code": "WRONG"}


NOTICE = {"kind": "notice", "title": "南县新公告", "source": "南县民政局", "day": "2021-08-06", "body": "正文"}


ROWS = [
    row("portal:index", **EVERYONE),
    row("portal:appeal", args=["p_appeal"], hidden="不愿公开的张先生", sees=frozenset(), **EVERYONE),
    row("portal:organisation", args=["p_org"], hidden="不愿公开的张先生", sees=frozenset(), **EVERYONE),
    row("portal:download", args=lambda o: ["appeals", o["p_appeal"].pk, "goods", "csv"], **EVERYONE),
    row("portal:lookup", **EVERYONE),
    row("portal:notices", hidden=DRAFT, sees=frozenset(), **EVERYONE),
    row("portal:notice", args=[999999], ok=frozenset(), other=404, anonymous=404),
    row("portal:feed", hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    # --- the public API: the same disclosure as plain data ------------------------------------------
    row("public-appeal-list", hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    row("public-appeal-detail", args=["p_appeal"], hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    row("public-appeal-detail", args=[999999], **NOBODY),
    row("public-organisation-list", hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    row("public-organisation-detail", args=["p_org"], hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    row("public-notice-list", hidden=DRAFT, sees=frozenset(), **EVERYONE),
    row("public-notice-detail", args=["p_notice"], **EVERYONE),
    row("public-notice-detail", args=["p_draft"], **NOBODY),
    row("public-lookup-list", query=_receipt, hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    row("public-lookup-list", query=_wrong_code, **NOBODY),
    row("public-lookup-list", "post", body=_receipt, hidden=HIDDEN, sees=frozenset(), **EVERYONE),
    row("public-lookup-list", "post", body=_wrong_code, **NOBODY),
    # --- the staff's notice pages ------------------------------------------------------------------
    row("portal:notice-admin", ok=SIGNED_IN, hidden=DRAFT, sees=OWN),
    row("portal:notice-create", ok=OFFICERS, other=403),
    row("portal:notice-create", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("portal:notice-create", "post", body=lambda o: {**NOTICE, "unit": o["p_bureau"].pk},
        ok=OFFICERS, ok_status=400, other=403, nanxian=302, hunan=302),
    row("portal:notice-edit", args=["p_draft"], ok=OWN),
    row("portal:notice-edit", "post", args=["p_draft"], body=NOTICE, ok=OWN),
    row("portal:notice-edit", "post", args=["p_draft"], body={}, ok=OWN, ok_status=400),
    row("portal:notice-publish", "post", args=["p_draft"], ok=OWN),
    row("portal:notice-unpublish", "post", args=["p_notice"], ok=OWN),
]
