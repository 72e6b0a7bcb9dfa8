"""Benchmark: the ledger list filtered to one county's overdue entries, out of 1,000,000 entries.

What goes through which path:
1. fill (bulk, not the services — this measures reads): Hunan's divisions, ~5,000 units over
   Hunan's 122 counties (bulk_create), then N ledger entries (COPY on PostgreSQL, executemany in
   one transaction on SQLite), day by day over 2021–2022 with realistic mixes: most closed (a third
   of them 立查立改 the same day), the recent ones mostly still open / rectifying / awaiting /
   returned, and in each county a small share of old entries never closed (0.2–3 %, 4 % in the
   measured county 南县 430921, which so has a few hundred overdue entries); severity, category and
   source mixed; deadlines 3–15 days after `found_on`. No transitions, attachments or users on
   the entries (the list does not read them).
2. reads, for a county officer (a bureau membership at the county's bureau), with `today` fixed:
   - the query functions the list page runs: `filter_entries(visible_entries(user), region=…,
     overdue=True, today=…)` in the list's order, first page (25) plus count (the user's scope is
     recomputed each run, as it is once per request);
   - the page itself, GET `ledger:list` through django.test.Client (force_login), if the route
     exists, with `timezone.localdate` frozen to the same `today`;
   - the bare SQL selecting the same rows (range on `region_code`, deadline, status) + its count;
   median and p95 in ms, and EXPLAIN (ANALYZE, BUFFERS on PostgreSQL, QUERY PLAN on SQLite) of
   the bare queries and the ORM's. PostgreSQL gets VACUUM ANALYZE after the fill (what autovacuum
   would have done to a table that old), SQLite ANALYZE.
3. what-ifs (`--variants all`), each patched in this process or this database only, never in the
   code: "not closed" written as `status IN (the four other states)` instead of `<> 'closed'`;
   the scope's bureau ranges on the entry's own `region_code` (as shipped since issue 7: `scope.restrict`
   reads `LedgerEntry.scope_unit_region_field`; the what-if is kept to compare runs);
   a candidate partial index (region_code, deadline) WHERE NOT status = 'closed', created through
   the schema editor exactly as a migration would, then dropped.

Runs against the scratch database named by TONGXIN_DATABASE_URL, which it empties first (unless
`--keep` finds it already filled). DEBUG is off (as in production).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
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
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from tongxin.accounts.models import User  # noqa: E402
from tongxin.core.bulk import load_rows  # noqa: E402
from tongxin.ledger import queries  # noqa: E402
from tongxin.ledger.models import LedgerEntry, Status  # noqa: E402
from tongxin.perf.loaders import LEDGER_COLUMNS, ledger_rows, pick  # noqa: E402
from tongxin.regions.models import Region  # noqa: E402
from tongxin.regions.queries import in_subtree  # noqa: E402
from tongxin.regions.services import load_divisions  # noqa: E402
from tongxin.units import scope  # noqa: E402
from tongxin.units.models import Category as UnitCategory  # noqa: E402
from tongxin.units.models import Kind, Membership, Role, Unit  # noqa: E402

COUNTY = "430921"  # 南县
TODAY = dt.date(2023, 1, 3)
FIRST, DAYS = dt.date(2021, 1, 1), 730  # found_on over 2021-01-01 .. 2022-12-31
PAGE = 25

KINDS = [(Kind.ELDERLY_CARE, 70), (Kind.CHILD_WELFARE, 6), (Kind.RESCUE_STATION, 4), (Kind.MENTAL_HEALTH, 3),
         (Kind.FUNERAL, 5), (Kind.COMMUNITY_CENTRE, 12)]


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

def make_units(n: int) -> tuple[list[tuple[int, str]], list[str]]:
    load_divisions(["43"])
    counties = list(Region.objects.filter(code__startswith="43", level=Region.Level.COUNTY)
                    .order_by("code").values_list("code", flat=True))
    rng = random.Random(7)
    units = [Unit(name=f"机构{i:05d}", kind=pick(rng, KINDS), category=UnitCategory.INSTITUTION,
                  region_id=counties[i % len(counties)], beds=40 + (i * 37) % 260) for i in range(n)]
    Unit.objects.bulk_create(units, batch_size=2000)
    Unit.objects.bulk_create([Unit(name=f"{r.name}民政局", kind=Kind.BUREAU, category=UnitCategory.BUREAU,
                                   region_id=r.code) for r in Region.objects.filter(code__in=[COUNTY])])
    pairs = list(Unit.objects.filter(category=UnitCategory.INSTITUTION).order_by("pk").values_list("pk", "region_id"))
    return pairs, counties


def entries(n: int, units: list[tuple[int, str]], counties: list[str]):
    """N entry rows (tuples in LEDGER_COLUMNS order), day by day, so ids rise with found_on as in life
    (`tongxin.perf.loaders.ledger_rows`, shared with `tongxin synth`); 南县 keeps 4 % never closed."""
    return ledger_rows(n, units, counties, first=FIRST, days=DAYS, today=TODAY, seed=2021, stuck={COUNTY: 0.04})


def load_entries(rows) -> int:
    """COPY on PostgreSQL, executemany in one transaction on SQLite (`tongxin.core.bulk.load_rows`)."""
    return load_rows(LedgerEntry, LEDGER_COLUMNS, rows)


def fill(n_entries: int, n_units: int) -> None:
    call_command("flush", interactive=False, verbosity=0)
    t = time.perf_counter()
    units, counties = make_units(n_units)
    say(f"fill: {len(units)} units over {len(counties)} counties (bulk_create) in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    loaded = load_entries(entries(n_entries, units, counties))
    took = time.perf_counter() - t
    say(f"fill: {loaded} ledger entries ({'COPY' if connection.vendor == 'postgresql' else 'executemany'}) "
        f"in {took:.1f} s ({loaded / took:,.0f}/s)")
    analyze()


def analyze() -> None:
    """VACUUM ANALYZE on PostgreSQL (what autovacuum does to a table that has been around: fresh
    statistics and the visibility map, so a count may read the index alone); ANALYZE on SQLite."""
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE ledger_ledgerentry" if connection.vendor == "postgresql" else "ANALYZE")
    say(f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} in {time.perf_counter() - t:.1f} s")


# --- 2. reads -----------------------------------------------------------------------------------

def county_officer() -> User:
    bureau = Unit.objects.get(region_id=COUNTY, kind=Kind.BUREAU)
    user, _ = User.objects.get_or_create(username="bench-county", defaults={"full_name": "县局业务员"})
    Membership.objects.get_or_create(user=user, unit=bureau, role=Role.OFFICER)
    return user


def ordered(qs):
    """The list's order: `queries.ordered` (the page's own) once it exists, else by deadline."""
    if hasattr(queries, "ordered"):
        return queries.ordered(qs, TODAY)
    return qs.order_by("deadline", "id")


def orm_query(user: User):
    return queries.filter_entries(queries.visible_entries(user), region=COUNTY, overdue=True, today=TODAY)


def orm_run(user: User, with_counts: bool = False):
    """First page plus count, as the page's Paginator reads them (and the counts above the list)."""
    def run():
        scope.forget(user)
        qs = orm_query(user)
        count = qs.count()
        page = list(ordered(qs)[:PAGE])
        if with_counts:
            queries.list_counts(qs, TODAY)
        return count, page
    return run


NOT_CLOSED_SQL = {"ne": "status <> 'closed'", "in": "status IN ('open', 'rectifying', 'awaiting', 'returned')"}


def bare_sql(form: str = "ne") -> tuple[str, str]:
    """(first page, count) of the county's overdue entries in bare SQL; `form` writes "not closed"."""
    where = f"region_code >= %s AND region_code < %s AND deadline < %s AND {NOT_CLOSED_SQL[form]}"
    return (f"SELECT id, number, unit_id, source, category, severity, description, responsible_person, found_on, "
            f"deadline, status FROM ledger_ledgerentry WHERE {where} ORDER BY deadline, id LIMIT {PAGE}",
            f"SELECT count(*) FROM ledger_ledgerentry WHERE {where}")


def bare_params() -> list:
    return [COUNTY, str(int(COUNTY) + 1), TODAY]


def bare_run(form: str = "ne"):
    page_sql, count_sql = bare_sql(form)

    def run():
        with connection.cursor() as cur:
            cur.execute(count_sql, bare_params())
            (count,) = cur.fetchone()
            cur.execute(page_sql, bare_params())
            return count, cur.fetchall()
    return run


def list_route() -> str | None:
    try:
        return reverse("ledger:list")
    except NoReverseMatch:
        return None
    except Exception as exc:  # the URLconf of a project being built may not import yet
        say(f"the URLconf does not load ({type(exc).__name__}: {exc}): no page timing")
        return None


def freeze_today(day: dt.date) -> None:
    """Make `timezone.localdate()` (with no argument) answer `day` everywhere the ledger asks it."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return day if value is None else real(value, timezone)

    timezone.localdate = localdate
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("tongxin.") and getattr(module, "localdate", None) is real:
            module.localdate = localdate


def page_run(client: Client, url: str):
    def run():
        response = client.get(url, secure=True)
        assert response.status_code == 200, (response.status_code, url)
        return response
    return run


# --- 3. what-ifs: other ways of writing the same reads (patched in this process only) -------------

def overdue_q_in(today: dt.date | None = None) -> models.Q:
    """`services.overdue_q` with "not closed" written as the four other states."""
    today = today or timezone.localdate()
    return models.Q(deadline__lt=today, status__in=[Status.OPEN, Status.RECTIFYING, Status.AWAITING, Status.RETURNED])


def visible_by_region_code(user):
    """`visible_entries` with the bureau ranges on the entry's own `region_code` (no join to units)."""
    s = scope.scope_of(user)
    q = models.Q(pk__in=[])
    for prefix in s.read_prefixes:
        q |= in_subtree("region_code", prefix)
    if s.units.get(scope.READ):
        q |= models.Q(unit_id__in=sorted(s.units[scope.READ]))
    return LedgerEntry.objects.select_related("unit").filter(q)


SHIPPED = {"overdue_q": queries.overdue_q, "visible_entries": queries.visible_entries}


def patch(overdue_in: bool, region_code_scope: bool) -> None:
    queries.overdue_q = overdue_q_in if overdue_in else SHIPPED["overdue_q"]
    queries.visible_entries = visible_by_region_code if region_code_scope else SHIPPED["visible_entries"]


CANDIDATE = models.Index(fields=["region_code", "deadline"], condition=~models.Q(status=Status.CLOSED),
                         name="bench_ledger_region_open_idx")
VARIANTS = [  # (key, label, "not closed" as IN, scope on region_code, candidate index)
    ("shipped", "as shipped (the migrations' indexes)", False, False, False),
    ("in", "not closed written as status IN (4 states)", True, False, False),
    ("rc", "scope range on the entry's region_code", False, True, False),
    ("in+rc", "both of the above", True, True, False),
    ("idx", "candidate partial index, code as shipped", False, False, True),
    ("idx+rc", "candidate index + scope on region_code", False, True, True),
]


# --- output -------------------------------------------------------------------------------------

def explain(sql: str, params: list) -> list[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [r[-1] for r in cur.fetchall()]


def orm_sql(qs) -> tuple[str, list]:
    sql, params = qs.query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def show_plans(user: User, form: str, orm: bool) -> None:
    page_sql, count_sql = bare_sql(form)
    plans = [("bare page query", page_sql, bare_params()), ("bare count", count_sql, bare_params())]
    if orm:
        qs = orm_query(user)
        sql, params = orm_sql(qs.order_by().values("pk"))
        plans += [("ORM page query", *orm_sql(ordered(qs)[:PAGE])),
                  ("ORM count", f"SELECT count(*) FROM ({sql}) t", params)]
    for label, sql, params in plans:
        say(f"  plan of the {label}:")
        for line in explain(sql, params):
            say("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="reuse the entries if the database holds --entries")
    parser.add_argument("--page-query", default="region={county}&overdue=1",
                        help="the list page's query string for one county's overdue entries")
    parser.add_argument("--variants", default="shipped",
                        help=f"comma-separated, or 'all': {', '.join(v[0] for v in VARIANTS)}")
    parser.add_argument("--orm-plans", action="store_true", help="also print the plans of the ORM's two queries")
    args = parser.parse_args()
    wanted = [v for v in VARIANTS if args.variants == "all" or v[0] in args.variants.split(",")]
    began = time.perf_counter()
    say(f"database: {connection.vendor}; load average at start: {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0)
    if not (args.keep and LedgerEntry.objects.count() == args.entries):
        fill(args.entries, args.units)
    else:
        analyze()
    user = county_officer()
    total = LedgerEntry.objects.count()
    in_county = LedgerEntry.objects.filter(region_code=COUNTY).count()
    open_province = LedgerEntry.objects.exclude(status=Status.CLOSED).count()
    overdue_province = LedgerEntry.objects.filter(deadline__lt=TODAY).exclude(status=Status.CLOSED).count()
    say(f"entries: {total:,}; not closed in Hunan: {open_province:,} ({open_province / total:.1%}), overdue on "
        f"{TODAY}: {overdue_province:,}; in {COUNTY}: {in_county:,}")

    count, page = orm_run(user)()
    bare_count, bare_page = bare_run()()
    every = set(orm_query(user).values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute(bare_sql()[1].replace("count(*)", "id"), bare_params())
        bare_every = {r[0] for r in cur.fetchall()}
    assert every == bare_every and count == bare_count
    say(f"county officer of {COUNTY}, overdue on {TODAY}: {count} rows by the ORM and by the bare SQL (the same "
        f"rows); list order: {'queries.ordered' if hasattr(queries, 'ordered') else 'deadline, id'}; "
        f"first pages equal: {[e.pk for e in page] == [r[0] for r in bare_page]}")

    route = list_route()
    client = url = None
    if route is not None:
        freeze_today(TODAY)
        client = Client()
        client.force_login(user)
        url = f"{route}?{args.page_query.format(county=COUNTY)}"
        with CaptureQueriesContext(connection) as ctx:
            html = page_run(client, url)().content.decode()
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        say(f"page {url}: {len(ctx.captured_queries)} queries, {sql_ms:.1f} ms of SQL on a cold first call")
        shown = [e.number for e in page if e.number in html]
        say(f"page {url}: {len(html):,} bytes; shows {len(shown)} of the first page's {len(page)} numbers"
            f"{'' if len(shown) == len(page) else ' — NOT the same rows: check --page-query and the order'}; "
            f"mentions the count {count}: {bool(re.search(rf'(?<![0-9]){count}(?![0-9])', html))}")
    else:
        say("route ledger:list does not exist yet: timed the query functions and the bare SQL only")

    say(f"\nms over {args.runs} runs after 3 warm-ups (median / p95)")
    for key, label, overdue_in, region_code_scope, index in wanted:
        patch(overdue_in, region_code_scope)
        if index:
            with connection.schema_editor() as editor:
                editor.add_index(LedgerEntry, CANDIDATE)
                sql = str(CANDIDATE.create_sql(LedgerEntry, editor))
            analyze()
        try:
            assert orm_run(user)()[0] == count
            rows = []
            if url is not None:
                rows.append(("page GET " + url, page_run(client, url)))
            rows.append(("filter_entries(visible_entries…) page+count", orm_run(user)))
            if hasattr(queries, "list_counts"):
                rows.append(("  the same + list_counts (the page's counts)", orm_run(user, with_counts=True)))
            form = "in" if overdue_in else "ne"
            rows.append((f"bare SQL page+count ({NOT_CLOSED_SQL[form]})", bare_run(form)))
            say(f"\n[{key}] {label}" + (f"\n  {sql}" if index else ""))
            for name, fn in rows:
                median, p95 = timed(fn, args.runs)
                say(f"  {name:<66}{median:>9.2f} / {p95:<9.2f}")
            if key in ("shipped", "in", "idx") or args.orm_plans:
                show_plans(user, form, args.orm_plans or key != "in")
        finally:
            patch(False, False)
            if index:
                with connection.schema_editor() as editor:
                    editor.remove_index(LedgerEntry, CANDIDATE)
    say(f"\ntotal {time.perf_counter() - began:.0f} s; load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
