"""The floors of `tongxin bench`: bare views, each running the one SQL query a workload's page needs.

Mounted only by the bench's own URL map (`tongxin.perf.bench_urls`, chosen by
`tongxin.perf.bench_settings`, which only the bench's gunicorn is started with): production's
`tongxin.urls` never includes them. Each view guarantees:
- no authentication, no middleware work of its own, no ORM: one cursor, the SQL, a small JSON answer
  (how many rows), so its throughput is what the database and the WSGI stack give with nothing of ours;
- the same rows the page reads (the region's code range, the assignment, the day), as the bench
  scripts in bench/ measure them (bench/reports.py, ledger.py, board.py, mobilization.py, donations.py).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from tongxin.regions.queries import subtree_bounds

FLOOR_TABLE = "tongxin_bench_floor"  # made by the bench before the run, dropped after (bench.floor_table)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def _code(request: HttpRequest) -> str:
    return request.GET.get("region", "")


def _prefix(code: str) -> str:
    """The GB/T 2260 prefix of a code: 430000 -> 43, 430900 -> 4309, 430921 -> 430921."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _day(request: HttpRequest, name: str = "day") -> dt.date:
    return dt.date.fromisoformat(request.GET[name])


def _answer(*parts: list[Any]) -> JsonResponse:
    return JsonResponse({"rows": [len(p) for p in parts]})


def overview(request: HttpRequest) -> HttpResponse:
    """The roll-up rows the overview reads (bench/reports.py): the region's and its children's filing
    counts on the day, its 14-day filing trend, its field totals over 14 days."""
    code, day, assignment = _code(request), _day(request), int(request.GET["assignment"])
    first = day - dt.timedelta(days=14)
    children = [c for (c,) in _rows("SELECT code FROM regions_region WHERE parent_id = %s", [code])]
    codes = [code, *children]
    marks = ",".join(["%s"] * len(codes))
    filing = _rows(f"SELECT region_code, on_time, late, zero FROM reports_filingrollup "
                   f"WHERE assignment_id = %s AND day = %s AND region_code IN ({marks})", [assignment, day, *codes])
    trend = _rows("SELECT day, on_time, late FROM reports_filingrollup "
                  "WHERE assignment_id = %s AND region_code = %s AND day BETWEEN %s AND %s",
                  [assignment, code, first, day])
    fields = _rows("SELECT key, day, total, count FROM reports_fieldrollup WHERE assignment_id = %s "
                   "AND region_code = %s AND day BETWEEN %s AND %s", [assignment, code, first, day])
    return _answer(filing, trend, fields)


MISSING_SQL = (
    "SELECT p.unit_id FROM units_unitperiod p WHERE p.region_code >= %s AND p.region_code < %s "
    "AND p.kind <> 'bureau' AND p.valid_from <= %s AND (p.valid_until IS NULL OR p.valid_until > %s) "
    "AND NOT EXISTS (SELECT 1 FROM reports_report r WHERE r.assignment_id = %s AND r.day = %s "
    "AND r.unit_id = p.unit_id) ORDER BY p.region_code, p.unit_id LIMIT 50")


def missing(request: HttpRequest) -> HttpResponse:
    """The bare anti-join: the first page of units in the region's range that owe the day's report."""
    low, high = subtree_bounds(_prefix(_code(request)))
    day, assignment = _day(request), int(request.GET["assignment"])
    return _answer(_rows(MISSING_SQL, [low, high, day, day, assignment, day]))


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of the posted JSON filing into the bench's scratch table, in a transaction."""
    body = json.loads(request.body)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"INSERT INTO {FLOOR_TABLE} (unit_id, day, payload) VALUES (%s, %s, %s)",
                    [int(body["unit"]), body["day"], json.dumps(body["values"])])
    return JsonResponse({"ok": True}, status=201)


def ledger_page(request: HttpRequest) -> HttpResponse:
    """One county's overdue entries, first page and count (bench/ledger.py's bare SQL)."""
    low, high = subtree_bounds(_prefix(_code(request)))
    today = _day(request, "today")
    where = "region_code >= %s AND region_code < %s AND deadline < %s AND status <> 'closed'"
    count = _rows(f"SELECT count(*) FROM ledger_ledgerentry WHERE {where}", [low, high, today])
    page = _rows(f"SELECT id, number, unit_id, source, category, severity, description, responsible_person, "
                 f"found_on, deadline, status FROM ledger_ledgerentry WHERE {where} ORDER BY deadline, id LIMIT 25",
                 [low, high, today])
    return _answer(count, page)


def ledger_stats(request: HttpRequest) -> HttpResponse:
    """Province statistics in one statement: found, closed, open and overdue per child region."""
    prefix = _prefix(_code(request))
    low, high = subtree_bounds(prefix)
    today = _day(request, "today")
    n = min(len(prefix) + 2, 6)
    rows = _rows(f"SELECT substr(region_code, 1, {n}) AS k, count(*), "
                 "sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), "
                 "sum(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), "
                 "sum(CASE WHEN status <> 'closed' AND deadline < %s THEN 1 ELSE 0 END) "
                 "FROM ledger_ledgerentry WHERE region_code >= %s AND region_code < %s GROUP BY k ORDER BY k",
                 [today, low, high])
    return _answer(rows)


def directive_board(request: HttpRequest) -> HttpResponse:
    """The directive's deliveries counted in one GROUP BY per child level plus the total (bench/board.py)."""
    prefix = _prefix(_code(request))
    low, high = subtree_bounds(prefix)
    root = int(request.GET["root"])
    counts = "count(*), count(signed_at), count(fed_back_at)"
    where = "root_id = %s AND region_code >= %s AND region_code < %s"
    total = _rows(f"SELECT {counts} FROM command_delivery WHERE {where}", [root, low, high])
    n = min(len(prefix) + 2, 6)
    rows = _rows(f"SELECT substr(region_code, 1, {n}) AS k, {counts} FROM command_delivery WHERE {where} "
                 "GROUP BY k ORDER BY k", [root, low, high])
    return _answer(total, rows)


def duty_board(request: HttpRequest) -> HttpResponse:
    """Today's shifts in the region's range, first page, in the board's order."""
    low, high = subtree_bounds(_prefix(_code(request)))
    now = dt.datetime.fromisoformat(request.GET["now"])
    rows = _rows("SELECT s.id, s.unit_id, s.role, s.name, s.starts_at, s.ends_at, u.name, u.region_id "
                 "FROM command_dutyshift s JOIN units_unit u ON u.id = s.unit_id "
                 "WHERE u.region_id >= %s AND u.region_id < %s "
                 "AND (s.day = %s OR (s.starts_at <= %s AND s.ends_at > %s)) "
                 "ORDER BY u.region_id, u.name, s.unit_id, s.role, s.starts_at, s.id LIMIT 50",
                 [low, high, now.date(), now, now])
    return _answer(rows)


def volunteer_overview(request: HttpRequest) -> HttpResponse:
    """The 志愿服务 overview's two GROUP BYs over the deployment days (bench/mobilization.py)."""
    prefix = _prefix(_code(request))
    low, high = subtree_bounds(prefix)
    since, until = _day(request, "since"), _day(request, "until")
    key = "unit_id" if len(prefix) == 6 else f"substr(region_code, 1, {len(prefix) + 2})"
    where = "region_code >= %s AND region_code < %s AND day >= %s AND day <= %s"
    params = [low, high, since, until]
    sums = ("sum(people), sum(hours), count(DISTINCT CASE WHEN people > 0 OR reported_people > 0 THEN unit_id END), "
            "sum(posts), sum(posts_unfilled), sum(activity_reports), sum(reported_people)")
    rows = _rows(f"SELECT {key} AS k, {sums} FROM mobilization_deploymentday WHERE {where} GROUP BY k", params)
    series = _rows(f"SELECT day, sum(people), sum(hours) FROM mobilization_deploymentday WHERE {where} "
                   "GROUP BY day ORDER BY day", params)
    return _answer(rows, series)


def appeal(request: HttpRequest) -> HttpResponse:
    """The public appeal page's per-item sums and donation rows (bench/donations.py)."""
    pk = int(request.GET["appeal"])
    where = "d.appeal_id = %s AND d.status = 'received'"
    sums = _rows("SELECT l.item_id, sum(l.quantity), sum(l.value) FROM donations_donationline l "
                 f"JOIN donations_donation d ON d.id = l.donation_id WHERE {where} GROUP BY l.item_id", [pk])
    rows = _rows("SELECT d.id, d.receipt_number, d.donor_kind, d.donor_name, d.name_public, d.received_at, "
                 "l.item_id, l.quantity, l.value, l.valuation FROM donations_donation d "
                 f"JOIN donations_donationline l ON l.donation_id = d.id WHERE {where} "
                 "ORDER BY d.received_at, d.id, l.id", [pk])
    return _answer(sums, rows)


urlpatterns = [path(f"{view.__name__}/", login_not_required(view), name=f"floor-{view.__name__}") for view in (
    overview, missing, insert, ledger_page, ledger_stats, directive_board, duty_board, volunteer_overview, appeal)]
