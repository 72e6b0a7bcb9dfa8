"""Which response is in force where: the reads every part asks before tracking anyone."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from tongxin.command.models import Response
from tongxin.regions.queries import chain
from tongxin.units.models import Unit


def in_force_q(at: dt.datetime) -> Q:
    """Responses started by `at` and not ended by then."""
    return Q(starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))


def covering(region_code: str, at: dt.datetime) -> QuerySet[Response]:
    """Responses in force at `at` over the region `region_code` (declared for it or a region above),
    the highest level (Ⅰ) first."""
    return (Response.objects.filter(in_force_q(at), region_id__in=chain(region_code))
            .select_related("region", "declared_by").order_by("level", "-starts_at"))


def in_force(region_code: str, at: dt.datetime) -> Response | None:
    """The highest-level response in force over `region_code` at `at`, or None."""
    return covering(region_code, at).first()


def tracking_on(unit: Unit, at: dt.datetime) -> bool:
    """Whether duty check-in and directive read tracking are on for `unit` at `at`: only while a
    response is in force over its region (never outside an emergency, never scored)."""
    return covering(unit.region_id, at).exists()
