"""Scope-matrix rows of the public site: open to everybody (anonymous included), read-only, and it
never shows the 南县 donor who gave no consent."""

from __future__ import annotations

from tests.scope.matrix import SIGNED_IN, row

EVERYONE = dict(ok=SIGNED_IN, anonymous=200)


def objects(world, objs) -> dict:
    from tests.donations import factories as f
    from tongxin.donations.models import DonorKind

    appeal = f.appeal(world.nanxian_home, "南县公开倡议")
    gift = f.donation(world.nanxian_home, [(f.cash(), 100)], appeal=appeal, donor="不愿公开的张先生",
                      kind=DonorKind.PERSON, public=False)
    return {"p_appeal": appeal, "p_org": world.nanxian_home, "p_gift": gift}


ROWS = [
    row("portal:index", **EVERYONE),
    row("portal:appeal", args=["p_appeal"], hidden="不愿公开的张先生", sees=frozenset(), **EVERYONE),
    row("portal:organisation", args=["p_org"], hidden="不愿公开的张先生", sees=frozenset(), **EVERYONE),
    row("portal:download", args=lambda o: ["appeals", o["p_appeal"].pk, "goods", "csv"], **EVERYONE),
    row("portal:lookup", **EVERYONE),
    row("portal:notices", **EVERYONE),
    row("portal:notice", args=[999999], ok=frozenset(), other=404, anonymous=404),
    row("portal:feed", **EVERYONE),
]
