"""The demo's daily reports: the province's assignment and fifteen days of filings, through the services.

Guarantees:
- the built-in forms come from `reports.services.load_builtin_forms`; the assignment
  "养老机构疫情防控日报" (湖南省民政厅, all of Hunan, elderly-care homes, daily, 10:00,
  2021-07-26..2021-08-09) from `create_assignment` with actor=None (the system);
- every report is filed by `reports.services.submit_report` — validated, rolled up and audited
  like any user's — with `now` at a plausible Beijing-time moment of that day, by the home's
  reporter where the demo has one (nanxian-home-01 at the first 南县 home), else by the system;
- 南县's 17 homes file every day with zero cases; the two homes of `story.NANXIAN_LATE` file
  late once and `story.NANXIAN_MISSING_HOME` misses `story.NANXIAN_MISSING_DAY`, so that day's
  overview shows on time, late and missing; the other demo homes file most days, with a few late
  and missing filings, so the province can compare counties;
- the figures are derived from each home's beds, residents and staff by a generator seeded with
  its name, so every build files the same values, and they obey the form's rules (no more staff
  vaccinated than are on site that day); after a home's first day some days are
  one-click zero reports (`submit_report(zero=True)`);
- idempotent: reports already on file are skipped, so a second build files nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tongxin.demo import story
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import Assignment, Form, Report
from tongxin.units.models import Kind, Membership, Role, Unit

ZERO_SHARE = 0.25  # of a home's days after its first, filed as one-click zero reports
OTHER_LATE_SHARE = 0.04  # outside 南县, of the days a home files late
OTHER_MISSING_SHARE = 0.025  # outside 南县, of the days a home does not file
# Province-wide nucleic-acid testing rounds (everyone in the home), plus 张家界's own during its outbreak.
TESTING_ROUNDS = (dt.date(2021, 7, 30), dt.date(2021, 8, 6))
ZHANGJIAJIE_ROUNDS = (dt.date(2021, 8, 1), dt.date(2021, 8, 3), dt.date(2021, 8, 8))
PROBLEMS = (
    "门卫登记本有一处漏登，已当场补登并提醒值班人员",
    "一份消毒记录未签字，已补签",
    "隔离观察室防护服不足 5 套，已申请补充",
    "食堂从业人员一人健康证过期，已暂停上岗并安排复检",
    "快递暂存点未分区摆放，已划线分区",
)
FEVER_NOTE = "1 名老人低热，已单间隔离观察，核酸检测阴性，体温已恢复正常"


def _rng(*parts: object) -> random.Random:
    """A generator seeded by `parts`, the same on every build and every machine."""
    text = "|".join(str(p) for p in parts)
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def period() -> list[dt.date]:
    days = (story.REPORT_END - story.REPORT_START).days + 1
    return [story.REPORT_START + dt.timedelta(days=i) for i in range(days)]


def local(day: dt.date, hh: int, mm: int) -> dt.datetime:
    """A moment of `day` on the Beijing clock."""
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class PlannedFiling:
    """One planned filing: its day, Beijing time, and values (None: a one-click zero report)."""

    day: dt.date
    now: dt.datetime
    values: dict[str, Any] | None

    @property
    def zero(self) -> bool:
        return self.values is None


def schedule(unit: Unit, day: dt.date) -> tuple[str, int, int] | None:
    """("on_time" | "late", hh, mm) of a home's filing on `day`, or None when it does not file."""
    rng = _rng("when", unit.name, day)
    if unit.region_id == story.NANXIAN:
        if unit.name == story.NANXIAN_MISSING_HOME and day == story.NANXIAN_MISSING_DAY:
            return None
        late = story.NANXIAN_LATE.get(unit.name)
        if late is not None and late[0] == day:
            return "late", late[1], late[2]
    else:
        roll = rng.random()
        if day > story.REPORT_START and roll < OTHER_MISSING_SHARE:
            return None
        if roll > 1 - OTHER_LATE_SHARE:
            minutes = rng.randint(10 * 60 + 5, 16 * 60 + 30)
            return "late", minutes // 60, minutes % 60
    minutes = rng.randint(7 * 60 + 15, 9 * 60 + 52)
    return "on_time", minutes // 60, minutes % 60


def plan(unit: Unit, days: list[dt.date]) -> Iterator[PlannedFiling]:
    """The home's filings over `days`: a slowly drifting picture of a closed, case-free home."""
    rng = _rng("figures", unit.name)
    residents0 = unit.residents or 50
    beds = max(unit.beds or 0, residents0)
    staff = unit.staff or max(residents0 // 5, 3)
    residents = residents0
    not_eligible = max(1, round(residents0 * rng.uniform(0.08, 0.15)))  # contraindications
    vaccinated = min(round(residents0 * rng.uniform(0.55, 0.78)), residents0 - not_eligible)
    staff_vaccinated = max(staff - rng.randint(0, 2), 0)
    masks, disinfectant = rng.randint(18, 40), rng.randint(14, 32)
    phase = rng.randrange(3)  # staff are swabbed every third day, in turn
    filed_before = False
    for i, day in enumerate(days):
        residents = min(max(residents + rng.choice((-1, 0, 0, 0, 0, 1)), residents0 - 4), beds, residents0 + 4)
        if rng.random() < 0.3:  # the vaccination drive reaches a few more each week
            vaccinated += rng.randint(1, 3)
        vaccinated = min(vaccinated, residents - not_eligible)
        masks, disinfectant = masks - 1, disinfectant - 1
        notes = []
        if masks < rng.randint(6, 10):
            masks += rng.choice((30, 45, 60))
            notes.append(f"口罩已补充，现可用 {masks} 天")
        if disinfectant < rng.randint(5, 9):
            disinfectant += rng.choice((30, 40))
            notes.append(f"消毒液已补充，现可用 {disinfectant} 天")
        fever = 1 if rng.random() < 0.02 else 0
        if fever:
            notes.append(FEVER_NOTE)
        problem = rng.choice(PROBLEMS) if rng.random() < 0.04 else ""
        when = schedule(unit, day)
        quiet = filed_before and not (fever or problem or notes) and rng.random() < ZERO_SHARE
        if when is None:
            continue
        staff_on_site = max(staff - rng.choice((0, 0, 1, 1, 2)), 1)
        swabbed = staff_on_site if (i + phase) % 3 == 0 else 0
        if day in TESTING_ROUNDS or (unit.region_id.startswith("4308") and day in ZHANGJIAJIE_ROUNDS):
            swabbed = residents + staff_on_site
        weekend = day.weekday() >= 5
        values = None if quiet and not swabbed else {
            "residents_in_care": residents,
            "staff_on_site": staff_on_site,
            "closed_management": True,
            "closure_exception_reason": "",
            "visits_refused": rng.randint(0, 2) + (rng.randint(1, 2 + residents // 40) if weekend else 0),
            "temperature_checks_done": True,
            "fever_or_symptoms": fever,
            "suspected_residents": 0,
            "suspected_staff": 0,
            "confirmed_residents": 0,
            "confirmed_staff": 0,
            "residents_vaccinated": vaccinated,
            "staff_vaccinated": min(staff_vaccinated, staff_on_site),  # never more than are on site
            "eligible_not_vaccinated": residents - vaccinated - not_eligible,
            "nucleic_acid_tests": swabbed,
            "mask_days": masks,
            "disinfectant_days": disinfectant,
            "items_disinfected": rng.randint(0, 3 + residents // 25),
            "problems_found": problem,
            "notes": "；".join(notes),
        }
        filed_before = True
        yield PlannedFiling(day, local(day, when[1], when[2]), values)


def assignment() -> Assignment:
    """The province's daily report for every elderly-care home of Hunan (found, or issued once)."""
    services.load_builtin_forms()
    form = Form.objects.get(code=story.REPORT_FORM)
    province = Unit.objects.get(region_id=story.PROVINCE_CODE, name=story.PROVINCE_BUREAU)
    found = Assignment.objects.filter(form=form, issuer=province, name=story.REPORT_NAME,
                                      start_date=story.REPORT_START).first()
    if found is not None:
        return found
    return services.create_assignment(
        None, form=form, issuer=province, region=Region.objects.get(code=story.PROVINCE_CODE),
        name=story.REPORT_NAME, deadline=story.REPORT_DEADLINE, start_date=story.REPORT_START,
        end_date=story.REPORT_END, unit_kinds=[Kind.ELDERLY_CARE],
    )


def file_reports(homes: list[Unit]) -> dict[str, int]:
    """File every planned report of `homes` not yet on file; returns how many exist and were filed."""
    daily = assignment()
    days = period()
    on_file = set(Report.objects.filter(assignment=daily).values_list("unit_id", "day"))
    reporters: dict[int, Any] = {}
    for m in (Membership.objects.filter(unit__in=homes, role=Role.REPORTER, user__is_active=True)
              .select_related("user").order_by("user__username")):
        reporters.setdefault(m.unit_id, m.user)
    planned = sorted(((f.day, home.region_id, home.name, home, f) for home in homes for f in plan(home, days)),
                     key=lambda row: (row[0], row[4].now, row[1], row[2]))
    filed = 0
    for _day, _code, _name, home, f in planned:
        if (home.pk, f.day) in on_file:
            continue
        actor = reporters.get(home.pk)
        services.submit_report(actor, assignment=daily, unit=home, day=f.day, values=f.values, zero=f.zero,
                               source=Report.Source.WEB if actor is not None else Report.Source.SYSTEM, now=f.now)
        filed += 1
    return {"reports": len(planned), "reports_filed": filed}
