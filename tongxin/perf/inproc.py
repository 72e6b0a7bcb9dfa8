"""The bench's file workloads, each in a fresh process so its peak memory is its own.

`python -m tongxin.perf.inproc export|unit-export|export-floor|upload …` prints one line `BENCH-JSON {…}`:
- export: the consolidated xlsx of one day (after one warm-up export of `--warm`, a county): GET
  /reports/export/units.xlsx through Django's test client, signed in as `--user`;
- unit-export: the unit registry (单位名录) as `--user` sees it (after a warm-up export of the `--warm`
  county): GET /units/export.xlsx;
- both: when the GET answers with a background export's progress page, its job is waited for (inline
  without a broker: inside the request) and its file downloaded; the body is read to the end: seconds
  until the file is had, request_seconds (the request alone), rows, columns, peak_mb (the rise of the
  process's peak resident memory over what it held before the request), background;
- export-floor: openpyxl's write_only loop writing `--rows` × `--columns` cells to a buffer: the same;
- upload: the batch template of the province for `--day` (a day nobody filed), its first `--rows` home
  rows filled (every row when 0; a row left blank is not filed), then
  POSTed to /reports/batch/ (all-or-nothing, through the service): seconds, rows, peak_mb, and
  parse_seconds, openpyxl reading the same file alone (read_only, every cell).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import time
from typing import Any


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _client(username: str) -> Any:
    from django.test import Client

    from tongxin.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


def _shape(body: bytes) -> tuple[int, int]:
    """Rows and columns of a workbook's first sheet, read back. The columns are counted on the rows
    themselves: a write-only workbook records no dimension, so openpyxl's read-only max_column says 1."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = columns = 0
    for values in sheet.iter_rows(values_only=True):
        rows += 1
        columns = max(columns, len(values))
    return rows, columns or 1


def _timed_export(client: Any, url: str, warm: str, what: str) -> dict[str, Any]:
    """GET `url` (after one warm-up GET of `warm`) and read the file to the end: a direct download, or a
    background export (302 to its progress page) waited for and then downloaded. Seconds, the request's own
    seconds, peak memory and the file's shape."""
    from tongxin.core.models import BackgroundExport

    first = client.get(warm)  # imports, caches
    b"".join(first.streaming_content) if first.streaming else first.content
    before = _rss_mb()
    began = time.perf_counter()
    response = client.get(url)
    request_seconds = time.perf_counter() - began
    background = response.status_code == 302
    if background:  # a background export: wait for its job (a Celery worker's, when one is configured)
        token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        while BackgroundExport.objects.filter(token=token, state__in=["queued", "running"]).exists():
            if time.perf_counter() - began > 1200:
                raise SystemExit(f"the {what}'s job did not finish within 20 minutes")
            time.sleep(0.2)
        response = client.get(f"/exports/{token}/download/")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    seconds = time.perf_counter() - began
    if not background:  # a direct download's request lasts until its streamed body is read
        request_seconds = seconds
    peak = _peak_mb() - before
    if response.status_code != 200:
        raise SystemExit(f"the {what} answered {response.status_code}: {body[:300]!r}")
    rows, columns = _shape(body)
    return {"seconds": round(seconds, 3), "request_seconds": round(request_seconds, 3), "peak_mb": round(peak, 1),
            "baseline_mb": round(before, 1), "rows": rows, "columns": columns, "bytes": len(body),
            "background": background}


def export(args: argparse.Namespace) -> dict[str, Any]:
    url = f"/reports/export/units.xlsx?assignment={args.assignment}&region={args.region}&day={args.day}"
    warm = url.replace(f"region={args.region}", f"region={args.warm or args.region}")
    return _timed_export(_client(args.user), url, warm, "consolidated export")


def unit_export(args: argparse.Namespace) -> dict[str, Any]:
    return _timed_export(_client(args.user), "/units/export.xlsx", f"/units/export.xlsx?region={args.warm}",
                         "registry export")


def export_floor(args: argparse.Namespace) -> dict[str, Any]:
    from openpyxl import Workbook

    before = _rss_mb()
    began = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("floor")
    for i in range(args.rows):
        sheet.append([f"机构{i}", *range(args.columns - 1)])
    out = io.BytesIO()
    book.save(out)
    return {"seconds": round(time.perf_counter() - began, 3), "peak_mb": round(_peak_mb() - before, 1),
            "baseline_mb": round(before, 1), "rows": args.rows, "bytes": len(out.getvalue())}


def upload(args: argparse.Namespace) -> dict[str, Any]:
    import datetime as dt

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.core.xlsx import XLSX_CONTENT_TYPE
    from tongxin.demo.reports import plan
    from tongxin.reports import excel
    from tongxin.reports.models import Assignment
    from tongxin.units.models import Unit

    client = _client(args.user)
    assignment = Assignment.objects.get(pk=args.assignment)
    query = f"assignment={args.assignment}&region={args.region}&day={args.day}"
    response = client.get(f"/reports/batch/template.xlsx?{query}")
    if response.status_code != 200:
        raise SystemExit(f"the batch template answered {response.status_code}")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    columns: dict[Any, int] = {c.value: int(c.column or 0) for c in sheet[2]}
    version = assignment.form.latest_version()
    assert version is not None, "the form has a version: the assignment was made from it"
    headers = {c.key: c.header for c in excel.field_columns(version)}
    names = {u.name: u for u in Unit.objects.filter(region__code__startswith=args.region[:2], kind="elderly_care")}
    day = dt.date.fromisoformat(args.day)
    rows = 0
    for cells in sheet.iter_rows(min_row=3):
        unit = names.get(str(cells[0].value))
        if unit is None or (args.rows and rows >= args.rows):
            continue
        values = next((f.values for f in plan(unit, [day - dt.timedelta(days=i) for i in range(3)])
                       if f.values is not None), None)
        for key, value in (values or {}).items():
            if key in headers and headers[key] in columns:
                shown = ("是" if value else "否") if isinstance(value, bool) else (None if value == "" else value)
                sheet.cell(row=int(cells[0].row or 0), column=columns[headers[key]]).value = shown
        rows += 1
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    before = _rss_mb()
    began = time.perf_counter()
    answer = client.post(f"/reports/batch/?{query}",
                         {"file": SimpleUploadedFile("批量报送.xlsx", data, content_type=XLSX_CONTENT_TYPE)})
    seconds = time.perf_counter() - began
    peak = _peak_mb() - before
    if answer.status_code != 302:
        errors = answer.context["errors"][:3] if answer.context and "errors" in answer.context else ""
        raise SystemExit(f"the upload answered {answer.status_code}: {errors}")
    began = time.perf_counter()
    for _row in openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True):
        pass
    parse = time.perf_counter() - began
    return {"seconds": round(seconds, 3), "peak_mb": round(peak, 1), "baseline_mb": round(before, 1), "rows": rows,
            "parse_seconds": round(parse, 3), "bytes": len(data)}


def main() -> None:
    import django

    parser = argparse.ArgumentParser(prog="python -m tongxin.perf.inproc")
    parser.add_argument("what", choices=["export", "unit-export", "export-floor", "upload"])
    for name in ("--user", "--assignment", "--region", "--day", "--warm"):
        parser.add_argument(name, default="")
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--columns", type=int, default=1)
    args = parser.parse_args()
    django.setup()
    answer = {"export": export, "unit-export": unit_export, "export-floor": export_floor,
              "upload": upload}[args.what](args)
    print("BENCH-JSON " + json.dumps(answer))


if __name__ == "__main__":
    main()
