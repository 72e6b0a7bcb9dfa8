"""Bulk loaders shared by `tongxin synth` and the bench scripts (bench/reports.py, bench/ledger.py).

Guarantees:
- rows go in through `tongxin.core.bulk` (`load_rows`: COPY on PostgreSQL, `executemany` on SQLite;
  `reserve_ids`), the one bulk writer synth, the bench scripts and the roll-up rebuilds share.
- `report_rows` / `load_reports`: the demo's planned filings (`tongxin.demo.reports.plan`: values
  from each home's beds/residents/staff, ~25 % of quiet days one-click zero reports, ~4 % late,
  ~2.5 % not filed) as Report + Revision rows, exactly what `reports.services.submit_report` stores
  for a first filing (checked with `clean_values` on the first rows).
- `ledger_rows` / `LEDGER_COLUMNS`: ledger entries day by day with realistic mixes (most closed, a
  third of those 立查立改; recent ones mostly still open; a small share of old ones never closed, so
  overdue), deterministic for its seed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tongxin.core.bulk import load_rows, reserve_ids
from tongxin.demo.reports import PlannedFiling, plan
from tongxin.ledger.models import Category, Severity, Status
from tongxin.reports import services as report_services
from tongxin.reports.definition import clean_values, zero_values
from tongxin.reports.models import Assignment, Report, Revision
from tongxin.units.models import Unit


@dataclass
class Timer:
    """Rows per second of one table's load, printed as it goes by `say`."""

    say: Callable[[str], None]
    rates: dict[str, tuple[int, float]]

    def run(self, label: str, fn: Callable[[], int]) -> int:
        start = time.perf_counter()
        rows = fn()
        took = time.perf_counter() - start
        self.rates[label] = (rows, took)
        self.say(f"  {label:<34}{rows:>11,} rows {took:>8.2f} s {rows / took if took else 0:>11,.0f} rows/s")
        return rows


# --- reports -----------------------------------------------------------------------------------

REPORT_COLUMNS = ("id", "assignment_id", "unit_id", "day", "form_version_id", "values", "is_zero", "is_late",
                  "revision_count", "first_filed_at", "updated_at")
REVISION_COLUMNS = ("report_id", "number", "values", "is_zero", "reason", "source", "filed_by_id", "filed_at")


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Values as `clean_values` stores them (an empty text is None)."""
    return {k: (None if v == "" else v) for k, v in values.items()}


def planned_reports(assignment: Assignment, homes: Iterable[Unit], days: list[dt.date],
                    keep: Callable[[Unit, PlannedFiling], bool] | None = None,
                    kept: list[tuple[Unit, PlannedFiling]] | None = None,
                    ) -> Iterator[tuple[Unit, PlannedFiling, dict[str, Any], bool]]:
    """(home, filing, stored values, late) of every planned filing, home by home; a filing `keep`
    accepts is appended to `kept` instead (to be filed through the service later)."""
    version = assignment.form.latest_version()
    assert version is not None, "an assignment's form has a version"
    definition = version.definition
    checked = 0
    for home in homes:
        previous = None
        for f in plan(home, days):
            if keep is not None and kept is not None and keep(home, f):
                kept.append((home, f))
                continue
            values = _stored(zero_values(definition, previous) if f.values is None else f.values)
            if checked < 50:  # the bulk rows are what the service would have stored
                clean, problems = clean_values(definition, values)
                assert not problems and clean == values, (problems, values)
                checked += 1
            previous = values
            yield home, f, values, f.now > report_services.deadline_of(assignment, f.day)


def load_reports(assignment: Assignment, homes: Sequence[Unit], days: list[dt.date], *,
                 keep: Callable[[Unit, PlannedFiling], bool] | None = None, chunk: int = 500,
                 ) -> tuple[int, list[tuple[Unit, PlannedFiling]]]:
    """Bulk-insert the planned reports of `homes` over `days` (Report + its first Revision), but
    those `keep` accepts; returns (reports inserted, the kept filings in plan order)."""
    version = assignment.form.latest_version()
    assert version is not None, "an assignment's form has a version"
    version_id = version.pk
    kept: list[tuple[Unit, PlannedFiling]] = []
    inserted = 0
    for start in range(0, len(homes), chunk):
        rows = list(planned_reports(assignment, homes[start:start + chunk], days, keep, kept))
        if not rows:
            continue
        first = reserve_ids(Report, len(rows))
        reports = [(first + i, assignment.pk, home.pk, f.day, version_id, values, f.zero, late, 1, f.now, f.now)
                   for i, (home, f, values, late) in enumerate(rows)]
        revisions = [(first + i, 1, values, f.zero, "", Report.Source.WEB, None, f.now)
                     for i, (_home, f, values, _late) in enumerate(rows)]
        with transaction.atomic():
            inserted += load_rows(Report, REPORT_COLUMNS, reports)
            load_rows(Revision, REVISION_COLUMNS, revisions)
    return inserted, kept


# --- ledger ------------------------------------------------------------------------------------

SEVERITIES = [(Severity.GENERAL, 75), (Severity.MAJOR, 20), (Severity.SERIOUS, 5)]
SOURCES = [("self_inspection", 40), ("supervision", 40), ("daily_report", 8), ("directive", 7), ("other", 5)]
NOT_CLOSED = [(Status.OPEN, 25), (Status.RECTIFYING, 45), (Status.AWAITING, 20), (Status.RETURNED, 10)]
PROBLEMS = {  # category: (weight, [(description, required measure), ...])
    Category.EPIDEMIC: (35, [
        ("来访人员登记簿未按要求登记体温和健康码", "完善来访登记，专人值守门岗"),
        ("工作人员每日两次健康监测记录缺失", "补齐健康监测台账，每日早晚各测一次"),
        ("隔离观察室未设置或物资不全", "设置独立隔离观察室并配齐物资"),
        ("防护物资储备不足7天用量", "按不少于7天用量补足口罩、消毒液等物资"),
        ("冷链食品和快递入院前未消杀", "设置消杀点，冷链食品、快递消杀后入院"),
        ("应急预案未组织演练", "一周内组织一次应急演练并留存记录")]),
    Category.FIRE: (25, [
        ("消防通道堆放杂物", "立即清理消防通道"),
        ("灭火器过期未更换", "更换过期灭火器并建立检查记录"),
        ("应急照明灯损坏", "维修或更换应急照明灯"),
        ("消防设施未定期检测", "委托专业机构检测消防设施")]),
    Category.ELECTRICAL: (12, [
        ("老人房间私拉乱接电线", "拆除私拉电线，规范用电"),
        ("配电箱未上锁、无警示标识", "配电箱加锁并张贴警示标识")]),
    Category.GAS: (6, [("厨房燃气报警器失效", "更换燃气报警器并每月测试")]),
    Category.FOOD: (10, [
        ("食品留样不足48小时", "按规定留样48小时并登记"),
        ("厨房从业人员健康证过期", "督促办理健康证，过期人员暂停上岗")]),
    Category.BUILDING: (7, [("楼梯扶手松动", "加固楼梯扶手"), ("外墙局部开裂", "请有资质单位鉴定并维修")]),
    Category.OTHER: (5, [("安全管理制度未上墙", "制度上墙并组织学习")]),
}
PEOPLE = ["李敏", "王芳", "张伟", "刘洋", "陈静", "杨军", "赵丽", "黄勇", "周红", "吴刚"]
LEDGER_COLUMNS = ("number", "unit_id", "region_code", "source", "category", "severity", "description",
                  "required_measure", "responsible_person", "responsible_phone", "found_on", "deadline", "status",
                  "fixed_on_spot", "created_at", "closed_at", "context_kind")


def pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def ledger_rows(n: int, units: Sequence[tuple[int, str]], counties: Sequence[str], *, first: dt.date, days: int,
                today: dt.date, seed: int = 2021, stuck: dict[str, float] | None = None,
                counters: dict[tuple[str, int], int] | None = None) -> Iterator[tuple[Any, ...]]:
    """`n` entry rows (tuples in LEDGER_COLUMNS order) for `units` ((id, county code) pairs), found
    day by day over `days` days from `first`, so ids rise with found_on as in life. A share of old
    entries per county (0.2–3 %, or `stuck[county]`) is never closed; the rest closes in time mostly.
    `counters` receives the last sequence number used per (county, year) (for ledger.Counter)."""
    rng = random.Random(seed)
    shares = {c: rng.uniform(0.002, 0.03) for c in counties}
    shares.update(stuck or {})
    categories = [(c, w) for c, (w, _) in PROBLEMS.items()]
    counters = {} if counters is None else counters
    utc = dt.UTC
    per_day, extra = divmod(n, days)
    for day_index in range(days):
        found_on = first + dt.timedelta(days=day_index)
        age = (today - found_on).days
        for _ in range(per_day + (1 if day_index < extra else 0)):
            unit_id, region = units[rng.randrange(len(units))]
            seq = counters[(region, found_on.year)] = counters.get((region, found_on.year), 0) + 1
            category = pick(rng, categories)
            description, measure = rng.choice(PROBLEMS[category][1])
            allowed = rng.randint(3, 15)
            deadline = found_on + dt.timedelta(days=allowed)
            open_share = max(shares[region], 0.8 - age * 0.025)  # recent findings are mostly still open
            on_spot = False
            closed_at = None
            if rng.random() < open_share:
                status = pick(rng, NOT_CLOSED)
            else:
                status = Status.CLOSED
                on_spot = rng.random() < 0.3
                took = 0 if on_spot else (rng.randint(1, allowed) if rng.random() < 0.9
                                          else allowed + rng.randint(1, 20))
                closed_on = min(found_on + dt.timedelta(days=took), today - dt.timedelta(days=1))
                closed_at = dt.datetime.combine(closed_on, dt.time(8 + took % 9, 30), utc)
            person = rng.choice(PEOPLE)
            yield (f"{region}-{found_on.year}-{seq:04d}", unit_id, region, pick(rng, SOURCES), category,
                   pick(rng, SEVERITIES), description, measure, person, f"138{rng.randrange(10**8):08d}",
                   found_on, deadline, status, on_spot, dt.datetime.combine(found_on, dt.time(2, 15), utc),
                   closed_at, "")
