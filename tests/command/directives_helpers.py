"""Shared builders for the directive tests: a leader at the province, a draft, an issued directive."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongxin.command.services import directives as services
from tongxin.regions.models import Region
from tongxin.units.models import Role
from tongxin.units.services import grant_role


def soon(hours: int = 24) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def make_leader(world):
    """hunan holds a LEADER role at the province as well (the browser story's issuer and approver)."""
    grant_role(None, world.hunan, world.province, Role.LEADER)
    from tongxin.units import scope

    scope.forget(world.hunan)
    return world.hunan


def draft(world, actor=None, *, issuer=None, region="430000", **extra):
    values = {"title": "关于开展拉网式隐患大排查行动的紧急通知", "body": "各市州民政局：……",
              "sign_deadline": soon(), "urgency": "extra", "doc_number": "湘民发〔2021〕12号"}
    values.update(extra)
    return services.create_draft(actor or world.hunan, issuer=issuer or world.province,
                                 region=Region.objects.get(code=region), **values)


def issue(world, **extra):
    """A province directive drafted, submitted and approved by hunan (a leader)."""
    leader = make_leader(world)
    d = draft(world, leader, **extra)
    services.submit(leader, d)
    return services.approve(leader, d)
