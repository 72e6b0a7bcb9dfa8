"""What `tongxin bench` measures on: the data step and the handful of names and ids its workloads need.

`prepare(profile, data, say)` guarantees a `Scene` for the database Django is configured with:
- data="build": the synthetic country of the profile (`tongxin synth`'s `build`, the one call to switch
  the data source at); data="existing": whatever is there already — a synthetic country (its `synth-*`
  officers) or the Hunan demo (`hunan`, `zhangjiajie`, `nanxian`);
- the province, a city and a county with an officer each (who needs no two-factor step), the daily
  report's assignment and its last day, a province-wide directive and a published appeal when the data
  has them;
- a fresh "bench filings" assignment of the province's elderly-care homes over days nobody has filed
  for, with enough (home, day) pairs for the filing workload and one day kept back for the upload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import CommandError
from django.db.models import Count

from tongxin.accounts.models import User
from tongxin.command.models import Directive
from tongxin.demo.reports import plan
from tongxin.donations.models import Appeal
from tongxin.donations.models.appeals import AppealStatus
from tongxin.perf import synth
from tongxin.regions.models import Region
from tongxin.reports import services as report_services
from tongxin.reports.models import Assignment, Form, Report
from tongxin.units.models import Kind, Membership, Role, Unit

DEMO_OFFICERS = {"province": "hunan", "city": "zhangjiajie", "county": "nanxian"}
DEMO_PASSWORD = "Tongxin#2021"
SYNTH_OFFICERS = {"province": "synth-province", "city": "synth-city", "county": "synth-county"}
BENCH_ASSIGNMENT = "bench filings (tongxin bench)"


@dataclass
class Scene:
    regions: dict[str, str]  # level -> region code
    officers: dict[str, str]  # level -> username
    password: str
    assignment: int
    day: dt.date
    directive: int | None
    appeal: int | None
    filing_assignment: int = 0
    filings: list[dict[str, Any]] = field(default_factory=list)  # API bodies, each a (home, day) nobody filed
    upload_day: dt.date | None = None
    source: str = ""


def _build(profile: dict[str, Any], say: Callable[[str], None]) -> tuple[dict[str, str], str, str]:
    """The data step: the synthetic country of `profile` (officers by level, their password, what built it)."""
    summary = synth.build(**profile, say=say)
    return dict(summary.officers), summary.password, "tongxin synth"


def _existing() -> tuple[dict[str, str], str, str]:
    if User.objects.filter(username=SYNTH_OFFICERS["province"]).exists():
        return dict(SYNTH_OFFICERS), synth.PASSWORD, "existing synthetic country"
    if User.objects.filter(username=DEMO_OFFICERS["province"]).exists():
        return dict(DEMO_OFFICERS), DEMO_PASSWORD, "existing Hunan demo"
    raise CommandError("the database holds neither a synthetic country nor the demo: run `tongxin synth` or "
                       "`tongxin demo --build-only` first, or `tongxin bench --data build`")


def _region_of(username: str) -> str:
    m = (Membership.objects.filter(user__username=username, role=Role.OFFICER).select_related("unit")
         .order_by("unit__region_id").first())
    if m is None:
        raise CommandError(f"{username} is no bureau officer: cannot bench as them")
    return m.unit.region_id


def _filing_assignment(province: str, after: dt.date, pairs: int) -> tuple[Assignment, list[Unit], int]:
    form = Form.objects.get(code="elderly-daily")
    bureau = Unit.objects.filter(region_id=province, kind=Kind.BUREAU).order_by("pk").first()
    homes = list(Unit.objects.filter(region__code__startswith=province[:2], kind=Kind.ELDERLY_CARE).order_by("pk"))
    if bureau is None or not homes:
        raise CommandError(f"no bureau or no elderly-care home under {province}: nothing to file for")
    days = -(-pairs // len(homes)) + 1  # and one more, kept for the upload
    start = after + dt.timedelta(days=1)
    found = Assignment.objects.filter(name=BENCH_ASSIGNMENT, issuer=bureau).order_by("-pk").first()
    if found is not None:  # an earlier run's: start after the days it filed
        start = max(found.end_date, after) + dt.timedelta(days=1)
    made = report_services.create_assignment(
        None, form=form, issuer=bureau,
        region=Region.objects.get(code=province), name=BENCH_ASSIGNMENT, deadline=dt.time(23, 59),
        start_date=start, end_date=start + dt.timedelta(days=days - 1), unit_kinds=[Kind.ELDERLY_CARE])
    return made, homes, days


def prepare(profile: dict[str, Any], data: str, filings: int, say: Callable[[str], None]) -> Scene:
    """The Scene to bench on (module docstring)."""
    officers, password, source = _build(profile, say) if data == "build" else _existing()
    regions = {level: _region_of(name) for level, name in officers.items()}
    daily = (Assignment.objects.filter(region_id=regions["province"]).exclude(name=BENCH_ASSIGNMENT)
             .annotate(n=Count("reports")).order_by("-n", "pk").first())
    if daily is None:
        raise CommandError(f"no report assignment over {regions['province']}: nothing to read")
    last = Report.objects.filter(assignment=daily).order_by("-day").values_list("day", flat=True).first()
    directive = (Directive.objects.filter(forwarded_from__isnull=True).annotate(n=Count("deliveries"))
                 .order_by("-n", "pk").values_list("pk", flat=True).first())
    appeal = (Appeal.objects.filter(status__in=[AppealStatus.PUBLISHED, AppealStatus.CLOSED])
              .annotate(n=Count("donations")).order_by("-n", "pk").values_list("pk", flat=True).first())
    scene = Scene(regions=regions, officers=officers, password=password, assignment=daily.pk,
                  day=last or daily.end_date, directive=directive, appeal=appeal, source=source)
    bench_assignment, homes, days = _filing_assignment(regions["province"], daily.end_date, filings)
    scene.filing_assignment = bench_assignment.pk
    span = [bench_assignment.start_date + dt.timedelta(days=i) for i in range(days)]
    scene.upload_day = span[-1]
    for home in homes:
        values = next((f.values for f in plan(home, span) if f.values is not None), None)
        if values is None:
            continue
        for day in span[:-1]:
            scene.filings.append({"assignment": bench_assignment.pk, "unit": home.pk, "day": day.isoformat(),
                                  "values": values})
    scene.filings.sort(key=lambda body: (body["day"], body["unit"]))
    return scene
