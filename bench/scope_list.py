"""Benchmark: the scoped unit list against the bare SQL that reads the same rows.

Fills the scratch database with N units spread over Hunan's counties (bulk insert: this
measures reads, not the write path), then times, for a county, a city and the province
officer, the first page of `visible_units` with its count, beside a bare SQL range query on
`region_id` for the same page. Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tongxin.regions.models import Region  # noqa: E402
from tongxin.regions.services import load_divisions  # noqa: E402
from tongxin.units import queries, scope  # noqa: E402
from tongxin.units.models import Category, Kind, Membership, Unit  # noqa: E402


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def fill(n: int) -> None:
    Membership.objects.all().delete()
    Unit.objects.all().delete()
    counties = list(Region.objects.filter(code__startswith="43", level=3).values_list("code", flat=True))
    units = [Unit(name=f"机构{i:06d}", kind=Kind.ELDERLY_CARE, category=Category.INSTITUTION,
                  region_id=counties[i % len(counties)], beds=50) for i in range(n)]
    Unit.objects.bulk_create(units, batch_size=2000)
    for code in ("430000", "430800", "430821"):
        Unit.objects.create(name=f"{code}民政局", kind=Kind.BUREAU, category=Category.BUREAU, region_id=code)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    load_divisions(["43"])
    fill(args.units)
    from tongxin.accounts.models import User

    print(f"database: {connection.vendor}; units: {Unit.objects.count()}; runs: {args.runs}")
    print(f"{'who':<10}{'rows':>8}{'ORM page+count ms (median / p95)':>36}{'bare SQL ms (median / p95)':>32}")
    for code, who in (("430821", "county"), ("430800", "city"), ("430000", "province")):
        user, _ = User.objects.get_or_create(username=f"bench-{who}")
        Membership.objects.get_or_create(user=user, unit=Unit.objects.get(region_id=code, kind=Kind.BUREAU),
                                         role="officer")
        scope.forget(user)
        prefix = Region.objects.get(code=code).prefix
        high = str(int(prefix) + 1).zfill(len(prefix))

        def orm(user=user):
            qs = queries.visible_units(user).order_by("region_id", "kind", "name")
            qs.count()
            list(qs[:25])

        def bare(prefix=prefix, high=high):
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM units_unit WHERE region_id >= %s AND region_id < %s", [prefix, high])
                rows = cur.fetchone()[0]
                cur.execute("SELECT id, name FROM units_unit WHERE region_id >= %s AND region_id < %s "
                            "ORDER BY region_id, kind, name LIMIT 25", [prefix, high])
                cur.fetchall()
            return rows

        rows = bare()
        o_med, o_p95 = timed(orm, args.runs)
        b_med, b_p95 = timed(bare, args.runs)
        print(f"{who:<10}{rows:>8}{o_med:>24.2f} / {o_p95:<9.2f}{b_med:>20.2f} / {b_p95:<9.2f}")


if __name__ == "__main__":
    main()
