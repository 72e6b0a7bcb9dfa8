"""Scope rows of 催办 and overdue feedback onto the ledger (command, part chase): the issuer's side
(南县's officer, the province above) may chase and raise; 南县福利院, which received the directive,
sees it but may not (403); everyone else meets a 404."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests.scope.matrix import OWN, row

TITLE = "南县隐患排查催办通知"
HOME = frozenset({"home_reporter"})


def objects(world, objs) -> dict:
    """A directive 南县民政局 issued to its two homes on 2021-08-02, feedback due at 18:00 (long past)."""
    from tongxin.command.models import Delivery, Directive, Urgency

    tz = ZoneInfo("Asia/Shanghai")
    issued = dt.datetime(2021, 8, 2, 9, tzinfo=tz)
    directive = Directive.objects.create(
        issuer=world.nanxian_bureau, region_id="430921", title=TITLE, doc_number="南民发〔2021〕9号",
        urgency=Urgency.URGENT, body="立即排查。", sign_deadline=issued + dt.timedelta(hours=3),
        feedback_required=True, feedback_deadline=issued + dt.timedelta(hours=9), status=Directive.Status.ISSUED,
        drafted_by=world.nanxian, approved_by=world.nanxian, approved_at=issued, issued_at=issued)
    directive.root = directive
    directive.save(update_fields=["root"])
    deliveries = [Delivery.objects.create(directive=directive, root=directive, unit=u, region_code=u.region_id,
                                          delivered_at=issued) for u in (world.nanxian_home, world.nanxian_home_2)]
    return {"chase_directive": directive, "chase_delivery": deliveries[0]}


ROWS = [
    row("command:directive-remind", args=["chase_directive"], ok=OWN, forbidden=HOME, hidden=TITLE),
    row("command:directive-remind", "post", args=["chase_directive"], body={"confirm": "1"}, ok=OWN, forbidden=HOME),
    row("command:delivery-raise", "post", args=["chase_delivery"], body={}, ok=OWN, forbidden=HOME),
    row("directive-remind-api", "post", args=["chase_directive"], body={}, ok=OWN, forbidden=HOME),
]
