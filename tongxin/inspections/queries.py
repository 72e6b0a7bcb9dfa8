"""Reads of inspections: campaigns a user sees, and a campaign's progress by region."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tongxin.core.types import Actor
from tongxin.inspections.models import Campaign, Inspection
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Kind, Unit


def visible_campaigns(user: Actor) -> QuerySet[Campaign]:
    """Campaigns issued by bureaus the user sees, or aimed at the user's area (scope.reaching)."""
    issued = scope.restrict(Campaign.objects.all(), user)
    return (issued | Campaign.objects.filter(scope.reaching(user))).select_related("issuer", "region").distinct()


@dataclass
class Progress:
    region: Region
    units: int = 0
    self_done: int = 0
    supervised: int = 0
    target: int = 0
    found: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def supervision_met(self) -> bool:
        return self.supervised >= self.target


def _units(campaign: Campaign, prefix: str) -> QuerySet[Unit]:
    qs = Unit.objects.filter(in_subtree("region_id", prefix), is_active=True).exclude(kind=Kind.BUREAU)
    return qs.filter(kind__in=campaign.unit_kinds) if campaign.unit_kinds else qs


def progress(campaign: Campaign, region: Region, today: dt.date | None = None) -> tuple[Progress, list[Progress]]:
    """(total, per child region): units, self-inspections done, units supervised against the target,
    problems found / closed / open / overdue."""
    today = today or timezone.localdate()
    regions = [region, *region.children.order_by("code")]
    out = []
    for r in regions:
        p = Progress(r)
        p.units = _units(campaign, r.prefix).count()
        done = Inspection.objects.filter(campaign=campaign, status=Inspection.Status.FINISHED,
                                         unit__in=_units(campaign, r.prefix))
        p.self_done = done.filter(kind=Inspection.Kind.SELF).values("unit").distinct().count()
        p.supervised = done.filter(kind=Inspection.Kind.SUPERVISION).values("unit").distinct().count()
        p.target = math.ceil(p.units * campaign.supervision_target / 100)
        counts = LedgerEntry.objects.filter(in_subtree("region_code", r.prefix), context_kind=sources.CAMPAIGN,
                                            context_id=campaign.pk).aggregate(
            found=Count("id"), closed=Count("id", filter=Q(status=Status.CLOSED)),
            overdue=Count("id", filter=Q(deadline__lt=today) & ~Q(status=Status.CLOSED)))
        p.found, p.closed, p.overdue = counts["found"], counts["closed"], counts["overdue"]
        p.open = p.found - p.closed
        out.append(p)
    return out[0], [p for p in out[1:] if p.units or p.found]
