"""Benchmark: daily reporting at province scale — N elderly-care homes × D days (default 5,000 × 30).

What goes through which path (printed again with the results):
1. setup (bulk): Hunan's divisions, the province bureau and a province officer, N homes spread
   over Hunan's 122 counties (bulk insert: units are not what is measured); the built-in form and
   the province's daily assignment through `reports.services` (load_builtin_forms, create_assignment);
2. history (bulk): every report of the D days except a sample of the last day, as Report +
   Revision rows inserted in bulk by `tongxin.perf.loaders.load_reports` (shared with `tongxin synth`)
   with the demo's generator (`tongxin.demo.reports.plan`: values
   from each home's beds/residents/staff, ~25 % one-click zero reports, ~4 % late, ~2.5 % not
   filed), then `reports.rollups.rebuild()` — both timed;
3. filing (service): the sample (default 3,000 reports of the last day) through
   `reports.services.submit_report`, one call after another in this single process, as the
   province officer — reports/s and per-filing median/p95; it lands on full roll-up tables;
4. reads: the overview page `reports:overview` for the province, a city and a county (GET through
   django.test.Client, logged in as the province officer; if the route does not exist yet, the
   query functions it uses), the query functions themselves (completeness, 14-day figures,
   missing units), and the bare SQL that reads the same roll-up rows — median and p95 in ms.

Runs against the scratch database named by TONGXIN_DATABASE_URL, which it empties first
(`flush`). DEBUG is off (as in production) unless TONGXIN_DEBUG says otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_DEBUG", "false")
os.environ.setdefault("TONGXIN_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("TONGXIN_PII_KEY", "YmVuY2gtb25seSBrZXksIG5vdCBhIHNlY3JldDogMzI=")  # bench only
os.environ.setdefault("TONGXIN_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("TONGXIN_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from tongxin.accounts.models import User  # noqa: E402
from tongxin.perf.loaders import load_reports  # noqa: E402
from tongxin.regions.models import Region  # noqa: E402
from tongxin.regions.services import load_divisions  # noqa: E402
from tongxin.reports import queries, rollups, services  # noqa: E402
from tongxin.reports.models import Assignment, FieldRollup, FilingRollup, Report  # noqa: E402
from tongxin.units.models import Category, Kind, Membership, Role, Unit, UnitPeriod  # noqa: E402

START = dt.date(2021, 7, 26)
PROVINCE, CITY, COUNTY = "430000", "430800", "430821"  # 湖南省, 张家界市, 慈利县


def timed(fn, runs: int, warmup: int = 3) -> tuple[float, float]:
    """(median, p95) of `runs` calls in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 95)


def percentile(samples: list[float], p: int) -> float:
    ordered = sorted(samples)
    return ordered[max(int(round(len(ordered) * p / 100)) - 1, 0)]


def say(text: str) -> None:
    print(text, flush=True)


# --- 1. setup ----------------------------------------------------------------------------------

def setup(n_units: int, n_days: int) -> tuple[Assignment, User, list[Unit]]:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    load_divisions(["43"])
    province = Unit.objects.create(name="湖南省民政厅", kind=Kind.BUREAU, category=Category.BUREAU,
                                   region_id=PROVINCE)
    officer = User.objects.create(username="bench-hunan", full_name="省厅值班员")
    Membership.objects.create(user=officer, unit=province, role=Role.OFFICER)
    counties = list(Region.objects.filter(code__startswith="43", level=Region.Level.COUNTY)
                    .order_by("code").values_list("code", flat=True))
    homes = []
    for i in range(n_units):
        beds = 40 + (i * 37) % 260
        residents = beds * (60 + i % 25) // 100
        homes.append(Unit(name=f"养老机构{i:05d}", kind=Kind.ELDERLY_CARE, category=Category.INSTITUTION,
                          region_id=counties[i % len(counties)], beds=beds, residents=residents,
                          staff=max(residents // 4, 3), contact_person="李敏", phone="13807371234"))
    Unit.objects.bulk_create(homes, batch_size=2000)
    (version,) = [v for v in services.load_builtin_forms() if v.form.code == "elderly-daily"]
    assignment = services.create_assignment(
        None, form=version.form, issuer=province, region=Region.objects.get(code=PROVINCE),
        name="养老机构疫情防控日报", deadline=dt.time(10, 0), start_date=START,
        end_date=START + dt.timedelta(days=n_days - 1), unit_kinds=[Kind.ELDERLY_CARE])
    homes = list(Unit.objects.filter(kind=Kind.ELDERLY_CARE).order_by("pk"))
    # in service since before the assignment starts (what units.services.create_unit would record)
    UnitPeriod.objects.bulk_create([UnitPeriod(unit=h, region_code=h.region_id, kind=h.kind,
                                               valid_from=START - dt.timedelta(days=365)) for h in homes],
                                   batch_size=2000)
    return assignment, officer, homes


# --- 2. history, bulk-loaded -------------------------------------------------------------------

def load_history(assignment: Assignment, homes: list[Unit], n_days: int, sample_size: int):
    """Bulk-insert every planned report but the sample (`tongxin.perf.loaders.load_reports`, shared
    with `tongxin synth`); returns (sample, reports inserted)."""
    days = [START + dt.timedelta(days=i) for i in range(n_days)]
    last = days[-1]
    taken = [0]

    def keep(home, f) -> bool:
        if f.day == last and taken[0] < sample_size:
            taken[0] += 1
            return True
        return False

    inserted, sample = load_reports(assignment, homes, days, keep=keep, chunk=250)
    return sample, inserted


# --- 3. filing through the service -------------------------------------------------------------

def file_sample(assignment: Assignment, officer: User, sample) -> list[float]:
    samples = []
    for home, f in sample:
        start = time.perf_counter()
        services.submit_report(officer, assignment=assignment, unit=home, day=f.day, values=f.values,
                               zero=f.zero, now=f.now)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


# --- 4. reads ----------------------------------------------------------------------------------

def overview_route() -> str | None:
    try:
        return reverse("reports:overview")
    except NoReverseMatch:
        return None


def read_functions(assignment: Assignment, region: Region, day: dt.date, keys: list[str]):
    def run():
        queries.completeness(assignment, region, day)
        days = [day - dt.timedelta(days=i) for i in range(14)]
        queries.figures(assignment, region, days, keys)
        list(queries.missing_units(assignment, region, day)[:101])
    return run


def bare_sql(assignment: Assignment, region: Region, day: dt.date, keys: list[str]):
    """The roll-up rows the overview reads: filing counts of the region and its children on the
    day, the region's 14-day filing trend, and its key figures over 14 days (plus yesterday)."""
    codes = [region.code, *Region.objects.filter(parent=region).values_list("code", flat=True)]
    first = day - dt.timedelta(days=14)
    codes_in = ",".join(["%s"] * len(codes))
    keys_in = ",".join(["%s"] * len(keys))
    filing_sql = (f"SELECT region_code, on_time, late, zero FROM reports_filingrollup "
                  f"WHERE assignment_id = %s AND day = %s AND region_code IN ({codes_in})")
    trend_sql = ("SELECT day, on_time, late FROM reports_filingrollup "
                 "WHERE assignment_id = %s AND region_code = %s AND day BETWEEN %s AND %s")
    field_sql = (f"SELECT key, day, total, count FROM reports_fieldrollup WHERE assignment_id = %s "
                 f"AND region_code = %s AND key IN ({keys_in}) AND day BETWEEN %s AND %s")

    def run():
        with connection.cursor() as cur:
            cur.execute(filing_sql, [assignment.pk, day, *codes])
            cur.fetchall()
            cur.execute(trend_sql, [assignment.pk, region.code, first, day])
            cur.fetchall()
            cur.execute(field_sql, [assignment.pk, region.code, *keys, first, day])
            return len(cur.fetchall())
    return run


def page(client: Client, url: str):
    def run():
        response = client.get(url, secure=True)
        assert response.status_code == 200, (response.status_code, url)
    return run


# --- main --------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--sample", type=int, default=3000, help="reports filed through submit_report")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--check", action="store_true", help="finally rebuild and compare with the kept roll-ups")
    args = parser.parse_args()
    began = time.perf_counter()
    say(f"database: {connection.vendor}; load average at start: {os.getloadavg()[0]:.2f}")

    t = time.perf_counter()
    assignment, officer, homes = setup(args.units, args.days)
    say(f"setup: {len(homes)} homes (bulk insert), form + assignment (services) in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    sample, inserted = load_history(assignment, homes, args.days, args.sample)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    rebuilt = rollups.rebuild(assignment)
    rebuild_s = time.perf_counter() - t
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    t = time.perf_counter()
    per_filing = file_sample(assignment, officer, sample)
    file_s = time.perf_counter() - t
    total = Report.objects.filter(assignment=assignment).count()
    expected = args.units * args.days
    say("")
    say(f"{'write path':<46}{'how':<26}{'rows':>9}{'seconds':>9}{'rows/s':>9}")
    say(f"{'history: Report + Revision':<46}{'bulk insert':<26}{inserted:>9}{load_s:>9.1f}{inserted / load_s:>9.0f}")
    say(f"{'roll-ups from scratch':<46}{'rollups.rebuild()':<26}{inserted:>9}{rebuild_s:>9.1f}"
        f"{inserted / rebuild_s:>9.0f}")
    say(f"{'sample of the last day':<46}{'services.submit_report':<26}{len(per_filing):>9}{file_s:>9.1f}"
        f"{len(per_filing) / file_s:>9.1f}")
    say(f"  per filing: median {statistics.median(per_filing):.1f} ms, p95 {percentile(per_filing, 95):.1f} ms; "
        f"reports on file {total} of {expected} due ({expected - total} not filed, as planned); "
        f"roll-up rows {rebuilt['field_rows']} field + {rebuilt['filing_rows']} filing before the sample")

    day = assignment.end_date
    definition = assignment.form.latest_version().definition
    keys = list(dict.fromkeys([*definition["key_figures"], "closed_management", "residents_vaccinated",
                               "residents_in_care", "suspected_residents", "suspected_staff"]))
    route = overview_route()
    client = Client()
    client.force_login(officer)
    say("")
    say(f"{'reads on ' + day.isoformat() + ' (ms, runs: ' + str(args.runs) + ')':<48}{'region':<8}{'median':>9}"
        f"{'p95':>9}")
    for code in (PROVINCE, CITY, COUNTY):
        region = Region.objects.get(code=code)
        rows = []
        if route is not None:
            url = f"{route}?assignment={assignment.pk}&region={code}&day={day.isoformat()}"
            rows.append(("overview page GET /reports/overview/", page(client, url)))
        rows.append(("query functions (completeness+figures+missing)", read_functions(assignment, region, day, keys)))
        rows.append(("bare SQL on the roll-up rows", bare_sql(assignment, region, day, keys)))
        for label, fn in rows:
            median, p95 = timed(fn, args.runs)
            say(f"{label:<48}{code:<8}{median:>9.2f}{p95:>9.2f}  {region.name}")
    if route is None:
        say("(route reports:overview does not exist yet: timed its query functions only)")
    missing = queries.missing_units(assignment, Region.objects.get(code=PROVINCE), day).count()
    say(f"province on {day}: {missing} homes missing")

    if args.check:
        kept = (sorted(FieldRollup.objects.values_list("region_code", "day", "key", "total", "count")),
                sorted(FilingRollup.objects.values_list("region_code", "day", "on_time", "late", "zero")))
        rollups.rebuild(assignment)
        again = (sorted(FieldRollup.objects.values_list("region_code", "day", "key", "total", "count")),
                 sorted(FilingRollup.objects.values_list("region_code", "day", "on_time", "late", "zero")))
        say(f"check: incremental roll-ups {'==' if kept == again else '!='} rebuilt")
    say(f"\ntotal {time.perf_counter() - began:.0f} s; load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
