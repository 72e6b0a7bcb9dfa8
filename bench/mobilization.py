"""Benchmark: the bureaus' 志愿服务 overview (`mobilization.queries.overview.overview`) over a week.

What goes through which path:
1. fill (bulk, not the services — this measures reads): Hunan's divisions (`load_divisions(["43"])`),
   a bureau for the province, 张家界市 and 慈利县, --orgs social organisations round-robin over the 122
   counties, and DeploymentDay rows for --days days (bulk_create): one row per organisation and day
   in its own county, plus a second row in a neighbouring county for every tenth organisation (posts
   away from home); people 0–40 (a fifth of the rows 0: an organisation with posts but nobody there
   yet), hours ≈ 4 per person, 1–5 posts of which 0–2 unfilled, an activity report on one row in
   eight. PostgreSQL gets VACUUM ANALYZE after the fill, SQLite ANALYZE.
2. reads, as an officer of the province, 张家界市 and 慈利县, each for their own region over the week:
   - `overview(user, region, since, until)`: the grouped rows per child, the 本级 remainder, the
     total, the day series and the distinct-organisations count; the user's scope recomputed each
     run (once per request);
   - the floor: the same aggregate in bare SQL — one GROUP BY on the child's code prefix (or unit,
     for the county) over the region's code range and the week, plus one GROUP BY day — with no
     scope filter, no child names, no Python;
   median and p95 in ms, the number of queries each makes, and the ORM's total checked equal to the
   bare SQL's.

Runs against the scratch database named by TONGXIN_DATABASE_URL, which it empties first (unless
`--keep` finds it already filled). DEBUG is off (as in production).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
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
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tongxin.accounts.models import User  # noqa: E402
from tongxin.mobilization.models import DeploymentDay  # noqa: E402
from tongxin.mobilization.queries import overview as q  # noqa: E402
from tongxin.regions.models import Region  # noqa: E402
from tongxin.regions.queries import subtree_bounds  # noqa: E402
from tongxin.regions.services import load_divisions  # noqa: E402
from tongxin.units import scope  # noqa: E402
from tongxin.units.models import Category, Kind, Membership, Role, Unit  # noqa: E402

PROVINCE, CITY, COUNTY = "430000", "430800", "430821"  # 湖南省, 张家界市, 慈利县
FIRST_DAY = dt.date(2021, 7, 30)


def say(text: str = "") -> None:
    print(text, flush=True)


def timed(fn, runs: int, warmup: int = 3) -> tuple[float, float]:
    """(median, p95) of `runs` calls in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    return statistics.median(samples), ordered[max(round(len(ordered) * 0.95) - 1, 0)]


# --- 1. fill ------------------------------------------------------------------------------------

def fill(orgs: int, days: int) -> None:
    call_command("flush", interactive=False, verbosity=0)
    t = time.perf_counter()
    load_divisions(["43"])
    counties = list(Region.objects.filter(code__startswith="43", level=Region.Level.COUNTY)
                    .order_by("code").values_list("code", flat=True))
    Unit.objects.bulk_create([Unit(name=f"社会组织{i:05d}", kind=Kind.SOCIAL_WORK, category=Category.SOCIAL_ORG,
                                   region_id=counties[i % len(counties)]) for i in range(orgs)], batch_size=2000)
    Unit.objects.bulk_create([Unit(name=name, kind=Kind.BUREAU, category=Category.BUREAU, region_id=code)
                              for code, name in ((PROVINCE, "湖南省民政厅"), (CITY, "张家界市民政局"),
                                                 (COUNTY, "慈利县民政局"))])
    rng = random.Random(2021)
    rows = []
    for i, (unit_id, region) in enumerate(Unit.objects.filter(category=Category.SOCIAL_ORG).order_by("pk")
                                          .values_list("pk", "region_id")):
        places = [region] + ([counties[(counties.index(region) + 1) % len(counties)]] if i % 10 == 0 else [])
        for d in range(days):
            for code in places:
                people = 0 if rng.random() < 0.2 else rng.randint(1, 40)
                posts = rng.randint(1, 5)
                report = rng.random() < 0.125
                rows.append(DeploymentDay(
                    unit_id=unit_id, region_code=code, day=FIRST_DAY + dt.timedelta(days=d), people=people,
                    hours=Decimal(people * rng.randint(30, 50)) / 10, shifts=posts * 2,
                    shifts_unfilled=rng.randint(0, 2), posts=posts, posts_unfilled=min(posts, rng.randint(0, 2)),
                    reported_people=rng.randint(1, 30) if report else 0, activity_reports=int(report)))
    with transaction.atomic():
        DeploymentDay.objects.bulk_create(rows, batch_size=5000)
    say(f"fill: {orgs:,} organisations over {len(counties)} counties, {len(rows):,} DeploymentDay rows "
        f"({days} days, bulk_create) in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE mobilization_deploymentday" if connection.vendor == "postgresql" else "ANALYZE")
    say(f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} in {time.perf_counter() - t:.1f} s")


def officer(code: str) -> User:
    bureau = Unit.objects.get(region_id=code, kind=Kind.BUREAU)
    user, _ = User.objects.get_or_create(username=f"bench-{code}", defaults={"full_name": bureau.name})
    Membership.objects.get_or_create(user=user, unit=bureau, role=Role.OFFICER)
    return user


# --- 2. reads -----------------------------------------------------------------------------------

SUMS = """sum(people), sum(hours), count(DISTINCT CASE WHEN people > 0 OR reported_people > 0 THEN unit_id END),
  sum(posts), sum(posts_unfilled), sum(activity_reports), sum(reported_people)"""


def bare(region: Region, since: dt.date, until: dt.date):
    """The floor: the child rows and the day series in two GROUP BYs over the code range and days."""
    low, high = subtree_bounds(region.prefix)
    key = "unit_id" if region.level == Region.Level.COUNTY else f"substr(region_code, 1, {len(region.prefix) + 2})"
    where = "region_code >= %s AND region_code < %s AND day >= %s AND day <= %s"
    params = [low, high, since, until]

    def run():
        with connection.cursor() as cur:
            cur.execute(f"SELECT {key} AS k, {SUMS} FROM mobilization_deploymentday WHERE {where} GROUP BY k", params)
            rows = cur.fetchall()
            cur.execute(f"SELECT day, sum(people), sum(hours) FROM mobilization_deploymentday WHERE {where} "
                        "GROUP BY day ORDER BY day", params)
            series = cur.fetchall()
        return rows, series
    return run


def orm(user: User, region: Region, since: dt.date, until: dt.date):
    def run():
        scope.forget(user)
        return q.overview(user, region, since, until)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse a filled database")
    args = parser.parse_args()
    say(f"database: {connection.vendor}")
    if not (args.keep and DeploymentDay.objects.exists()):
        fill(args.orgs, args.days)
    since, until = FIRST_DAY, FIRST_DAY + dt.timedelta(days=args.days - 1)
    say(f"rows: {DeploymentDay.objects.count():,}; range {since} – {until}")
    say()
    say("| who | rows read | overview() median / p95 | queries | bare SQL median / p95 | × floor |")
    say("|---|---:|---:|---:|---:|---:|")
    for code in (PROVINCE, CITY, COUNTY):
        user, region = officer(code), Region.objects.get(code=code)
        low, high = subtree_bounds(region.prefix)
        n = DeploymentDay.objects.filter(region_code__gte=low, region_code__lt=high, day__gte=since,
                                         day__lte=until).count()
        fn, floor = orm(user, region, since, until), bare(region, since, until)
        o = fn()
        rows, series = floor()
        bare_people = sum(r[1] or 0 for r in rows)
        assert o.total.people == bare_people, (o.total.people, bare_people)
        assert [d["people"] for d in o.series] == [s[1] for s in series]
        with CaptureQueriesContext(connection) as ctx:
            fn()
        m, p = timed(fn, args.runs)
        bm, bp = timed(floor, args.runs)
        say(f"| {region.name} | {n:,} | {m:.2f} / {p:.2f} | {len(ctx.captured_queries)} | {bm:.2f} / {bp:.2f} "
            f"| {m / bm:.1f} |")


if __name__ == "__main__":
    main()
