"""Which response is in force where: the reads every part asks before tracking anyone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from tongxin.command.models import Response, ResponseEvent
from tongxin.core.types import Actor
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


def levels(region_codes: Iterable[str], at: dt.datetime) -> dict[str, Response]:
    """{code: the highest-level response in force over that region at `at`} for each of
    `region_codes` that has one — in one query, however many codes (an overview's child regions).

    Each Response's `level` is the level it had at `at` (from its events: a past day shows the level
    of that day, not today's); the instances are for reading, never for saving."""
    codes = list(dict.fromkeys(region_codes))
    above = {c for code in codes for c in chain(code)}
    if not above:
        return {}
    then = (ResponseEvent.objects.filter(response=OuterRef("pk"), at__lte=at).exclude(level_after=None)
            .order_by("-at", "-id").values("level_after")[:1])
    found = list(Response.objects.filter(in_force_q(at), region_id__in=sorted(above))
                 .annotate(level_then=Coalesce(Subquery(then), F("level")))
                 .select_related("region", "declared_by").order_by("level_then", "-starts_at", "pk"))
    for r in found:
        r.level = r.level_then  # annotated above: the level at `at`
    out: dict[str, Response] = {}
    for code in codes:
        reach = set(chain(code))
        first = next((r for r in found if r.region_id in reach), None)
        if first is not None:
            out[code] = first
    return out


def visible(user: Actor, at: dt.datetime) -> QuerySet[Response]:
    """The responses `user` sees (declared in their scope, or in force over their area), those in force
    at `at` first (highest level first), then those not yet started, then the ended, newest first."""
    state = Case(When(in_force_q(at), then=Value(0)), When(starts_at__gt=at, then=Value(1)), default=Value(2),
                 output_field=IntegerField())
    return (Response.objects.restrict(user, "read").select_related("region", "declared_by", "created_by")
            .annotate(state=state).order_by("state", "level", "-starts_at", "-pk"))


def history(response: Response) -> QuerySet[ResponseEvent]:
    """The response's events, oldest first, with who and which unit decided."""
    return response.events.select_related("unit", "actor").order_by("at", "id")


def state_of(response: Response, at: dt.datetime) -> str:
    """"in_force", "planned" (not yet started) or "ended" at `at`."""
    if response.ends_at is not None and response.ends_at <= at:
        return ENDED
    return PLANNED if response.starts_at > at else IN_FORCE


IN_FORCE, PLANNED, ENDED = "in_force", "planned", "ended"


def level_at(response: Response, at: dt.datetime) -> int | None:
    """The response's level at `at` as its events tell it (history stays true after a change), or None
    before it was declared and once it has ended."""
    if at < response.starts_at or (response.ends_at is not None and response.ends_at <= at):
        return None
    last = response.events.filter(at__lte=at).exclude(level_after=None).order_by("-at", "-id").first()
    return last.level_after if last is not None else response.level
