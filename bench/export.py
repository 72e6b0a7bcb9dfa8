"""Benchmark: the 50,000-row exports beside openpyxl's raw write-only loop (issue #13).

Setup (bulk, not measured): N homes (default 50,000) over Hunan's counties and one day of the daily
report for them (bench/reports.py's setup and generator). Then, each measured for seconds and peak
Python memory (tracemalloc, in a second, untimed run: tracing slows the code):

1. `units registry`: `tongxin.units.excel` as the 单位名录 download writes it (its rows through
   core.xlsx.write_xlsx into a temporary file), as the province officer;
2. `consolidated by unit`: `reports.excel.unit_table` of the province for the day (汇总表（按单位）) through
   the same writer — the export that runs as a background job above TONGXIN_EXPORT_BACKGROUND_ROWS;
3. `raw openpyxl`: the floor — the same unit rows already in memory, appended to a write-only
   workbook with no styles, no formats, no neutralising;
4. `request with a background job`: GET of the consolidated export by the province officer with the
   threshold in force: the time the request takes (it answers with the progress page; the job runs
   after commit: inline here, on a Celery worker when one is configured).

Runs against the scratch database named by TONGXIN_DATABASE_URL, which it empties first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports as bench_reports  # noqa: E402  (sets up Django as every bench script does)
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from tongxin.core.xlsx import write_xlsx  # noqa: E402
from tongxin.regions.models import Region  # noqa: E402
from tongxin.reports import excel as report_excel  # noqa: E402
from tongxin.units import excel as unit_excel  # noqa: E402
from tongxin.units import scope  # noqa: E402
from tongxin.units.models import Unit  # noqa: E402


def measure(name: str, fn) -> dict:
    start = time.perf_counter()
    rows = fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {"name": name, "rows": rows, "seconds": seconds, "peak_mb": peak / 2**20}
    print(f"{name:<32} {rows:>7} rows  {seconds:7.2f} s  peak {peak / 2**20:7.1f} MB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=50_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    assignment, officer, homes = bench_reports.setup(args.units, 1)
    bench_reports.load_history(assignment, homes, 1, 0)
    day = bench_reports.START
    print(f"setup: {len(homes)} homes, one day, {time.perf_counter() - t0:.1f} s "
          f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})", flush=True)
    province = Region.objects.get(code=bench_reports.PROVINCE)

    def registry() -> int:
        units = scope.restrict(Unit.objects.all(), officer, mode=scope.REGISTRY).order_by("region_id", "name")
        with tempfile.TemporaryFile() as f:
            return write_xlsx(f, "单位名录", unit_excel.HEADERS, unit_excel.export_rows(units),
                              **unit_excel._xlsx_options())

    def by_unit() -> int:
        table = report_excel.unit_table(officer, assignment, province, day)
        with tempfile.TemporaryFile() as f:
            return write_xlsx(f, table.title, table.headers, table.rows, widths=table.widths,
                              text_columns=table.text_columns, number_formats=table.number_formats)

    raw_rows = [list(r) for r in Unit.objects.order_by("region_id", "name").values_list(
        "name", "kind", "region_id", "supervisor__name", "credit_code", "address", "contact_person", "phone",
        "beds", "residents", "staff", "is_active")]

    def raw() -> int:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Sheet1")
        for r in raw_rows:
            ws.append(r)
        with tempfile.TemporaryFile() as f:
            wb.save(f)
        return len(raw_rows)

    results = [measure("units registry", registry), measure("consolidated by unit", by_unit),
               measure("raw openpyxl write-only loop", raw)]
    client = Client()
    client.force_login(officer)
    url = reverse("reports:export-units", args=["xlsx"])
    query = {"assignment": assignment.pk, "region": province.code, "day": day.isoformat()}
    start = time.perf_counter()
    response = client.get(url, query)
    request_s = time.perf_counter() - start
    print(f"request with a background job: {response.status_code} in {request_s:.2f} s "
          f"(-> {response.get('Location', '')}; the inline job ran inside it unless Celery is configured)")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    floor = results[2]["seconds"]
    for r in results[:2]:
        print(f"{r['name']}: {r['seconds'] / floor:.1f}x the raw loop")
    print(f"measured {dt.datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
