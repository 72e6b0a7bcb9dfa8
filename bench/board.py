"""Benchmark: the issuer's directive board (`command.queries.board.board`) over one province-wide notice.

What goes through which path:
1. fill (bulk, not the services — this measures reads): Hunan's divisions (`load_divisions(["43"])`),
   N institutions over Hunan's 122 counties (慈利县 fixed at --fixed-county, so its board has the
   same rows whatever N) plus a bureau for the province (湖南省民政厅), each of the 14 cities and
   each of the 122 counties (bulk_create); --other-directives older closed directives without
   deliveries (bulk_create); one root directive of 湖南省民政厅, issued, feedback required (ORM
   create); one Delivery row per unit but the issuer (bulk_create, 5,000 per batch): root, unit,
   region_code, delivered_at; ~90 % signed (~3 % of those after the sign deadline), ~70 % fed back
   (all of them signed), signers one bench user. No forwards, no revisions (the board's version
   lookup is still run, it finds one version).
2. reads, as an officer of the province's, 张家界市's (430800) and 慈利县's (430821) bureau, with
   `now` fixed after both deadlines (so the overdue counts are not empty), each for their own region:
   - `board(root, user, region, now)`: the total, one table per level below the region, the units
     one by one (at most UNIT_LIMIT); the user's scope is recomputed each run (once per request);
   - its parts alone: `totals`, `level_rows` for each level, `unit_rows`;
   - the floor: the same counts in bare SQL, one `GROUP BY substr(region_code, 1, n)` over the
     root's deliveries in the region's code range per level, plus one ungrouped for the total (the
     deadlines as parameters: no join to the directive, no scope, no version lookup);
   median and p95 in ms, the number of queries each makes, and the ORM level counts checked equal
   to the bare ones; with --plans, EXPLAIN of the ORM's filter, the unit rows' query and the bare
   GROUP BY; the unit rows' query alone (the values() that `unit_rows` reads). PostgreSQL gets VACUUM ANALYZE
   after the fill, SQLite ANALYZE.

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
from tongxin.command.models import Delivery, Directive  # noqa: E402
from tongxin.command.queries import board as board_q  # noqa: E402
from tongxin.command.queries.directives import versions as directive_versions  # noqa: E402
from tongxin.regions.models import Region  # noqa: E402
from tongxin.regions.queries import subtree_bounds  # noqa: E402
from tongxin.regions.services import load_divisions  # noqa: E402
from tongxin.units import scope  # noqa: E402
from tongxin.units.models import Category, Kind, Membership, Role, Unit  # noqa: E402

PROVINCE, CITY, COUNTY = "430000", "430800", "430821"  # 湖南省, 张家界市, 慈利县
ISSUED = dt.datetime(2021, 7, 1, 2, 0, tzinfo=dt.UTC)
SIGN_DEADLINE = ISSUED + dt.timedelta(hours=24)
FEEDBACK_DEADLINE = ISSUED + dt.timedelta(days=3)
NOW = ISSUED + dt.timedelta(days=5)
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


def pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# --- 1. fill ------------------------------------------------------------------------------------

def make_units(n: int, fixed_county: int) -> int:
    """n institutions round-robin over the counties; 慈利县 gets exactly `fixed_county` of them (if > 0),
    so the county's board has the same rows whatever n is."""
    load_divisions(["43"])
    counties = list(Region.objects.filter(code__startswith="43", level=Region.Level.COUNTY)
                    .order_by("code").values_list("code", flat=True))
    rng = random.Random(7)
    others = [c for c in counties if c != COUNTY] if fixed_county else counties
    homes = [COUNTY] * fixed_county + [others[i % len(others)] for i in range(n - fixed_county)]
    units = [Unit(name=f"机构{i:06d}", kind=pick(rng, KINDS), category=Category.INSTITUTION,
                  region_id=code, beds=40 + (i * 37) % 260) for i, code in enumerate(homes)]
    Unit.objects.bulk_create(units, batch_size=2000)
    bureaus = Region.objects.filter(code__startswith="43").order_by("code")
    Unit.objects.bulk_create([Unit(name="湖南省民政厅" if r.code == PROVINCE else f"{r.name}民政局", kind=Kind.BUREAU,
                                   category=Category.BUREAU, region_id=r.code) for r in bureaus], batch_size=2000)
    return len(counties)


def officer(code: str, name: str) -> User:
    bureau = Unit.objects.get(region_id=code, kind=Kind.BUREAU)
    user, _ = User.objects.get_or_create(username=f"bench-{code}", defaults={"full_name": name})
    Membership.objects.get_or_create(user=user, unit=bureau, role=Role.OFFICER)
    return user


def make_directive(others: int) -> Directive:
    """The root directive, after `others` older ones of the same issuer (closed, no deliveries: they
    only give the directive table a realistic size for the planners' join choice)."""
    issuer = Unit.objects.get(region_id=PROVINCE, kind=Kind.BUREAU)
    drafter = officer(PROVINCE, "省厅业务员")
    old = ISSUED - dt.timedelta(days=400)
    Directive.objects.bulk_create([Directive(
        issuer=issuer, region_id=PROVINCE, title=f"往期通知{i:05d}", body="……" * 200, sign_deadline=old,
        status=Directive.Status.CLOSED, drafted_by=drafter, issued_at=old, closed_at=old) for i in range(others)],
        batch_size=1000)
    return Directive.objects.create(
        issuer=issuer, region_id=PROVINCE, title="关于做好汛期养老机构安全防范工作的紧急通知",
        doc_number="湘民发〔2021〕12号", body="各市州民政局：……", sign_deadline=SIGN_DEADLINE, feedback_required=True,
        feedback_deadline=FEEDBACK_DEADLINE, feedback_request="报送排查情况", status=Directive.Status.ISSUED,
        drafted_by=drafter, approved_by=drafter, approved_at=ISSUED, issued_at=ISSUED)


def make_deliveries(root: Directive) -> int:
    signer, _ = User.objects.get_or_create(username="bench-signer", defaults={"full_name": "机构值班员"})
    rng = random.Random(2021)
    rows = []
    for unit_id, region in (Unit.objects.exclude(pk=root.issuer_id).order_by("pk")
                            .values_list("pk", "region_id")):
        delivered = ISSUED + dt.timedelta(seconds=rng.randint(0, 120))
        signed_at = fed_back_at = None
        if rng.random() < 0.9:
            late = rng.random() < 0.03
            signed_at = (SIGN_DEADLINE + dt.timedelta(hours=rng.uniform(1, 48)) if late
                         else delivered + dt.timedelta(minutes=rng.uniform(2, 23 * 60)))
            if rng.random() < 0.7 / 0.9:
                fed_back_at = max(signed_at, delivered) + dt.timedelta(hours=rng.uniform(2, 60))
        rows.append(Delivery(directive=root, root=root, unit_id=unit_id, region_code=region, delivered_at=delivered,
                             read_at=signed_at, signed_at=signed_at, signed_by=signer if signed_at else None,
                             signed_as=Delivery.SignedAs.STAFF if signed_at else "", fed_back_at=fed_back_at,
                             fed_back_by=signer if fed_back_at else None,
                             feedback="已完成排查，未发现隐患。" if fed_back_at else ""))
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def fill(n_units: int, fixed_county: int, others: int) -> None:
    call_command("flush", interactive=False, verbosity=0)
    t = time.perf_counter()
    counties = make_units(n_units, fixed_county)
    say(f"fill: {Unit.objects.count():,} units ({n_units:,} institutions over {counties} counties + "
        f"{Unit.objects.filter(kind=Kind.BUREAU).count()} bureaus, bulk_create) in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    root = make_directive(others)
    n = make_deliveries(root)
    say(f"fill: {others:,} older directives (bulk_create, no deliveries), one root directive (id {root.pk}), "
        f"{n:,} deliveries (bulk_create) in {time.perf_counter() - t:.1f} s")
    analyze()


def analyze() -> None:
    t = time.perf_counter()
    with connection.cursor() as cur:
        pg = connection.vendor == "postgresql"
        cur.execute("VACUUM ANALYZE command_delivery, command_directive" if pg else "ANALYZE")
    say(f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} in {time.perf_counter() - t:.1f} s")


# --- 2. reads -----------------------------------------------------------------------------------

COUNTS_SQL = """count(*),
  count(*) FILTER (WHERE signed_at IS NOT NULL),
  count(*) FILTER (WHERE signed_at IS NULL),
  count(*) FILTER (WHERE signed_at > %(sign)s),
  count(*) FILTER (WHERE fed_back_at IS NOT NULL),
  count(*) FILTER (WHERE fed_back_at IS NULL),
  count(*) FILTER (WHERE signed_at IS NULL AND %(sign)s < %(now)s),
  count(*) FILTER (WHERE fed_back_at IS NULL AND %(feedback)s < %(now)s),
  count(*) FILTER (WHERE (signed_at IS NULL AND %(sign)s < %(now)s)
                    OR (fed_back_at IS NULL AND %(feedback)s < %(now)s))"""
FIELDS = ("delivered", "signed", "unsigned", "signed_late", "fed_back", "feedback_missing", "overdue_sign",
          "overdue_feedback", "overdue")


def bare_params(root: Directive, region: Region) -> dict:
    low, high = subtree_bounds(region.prefix)
    return {"root": root.pk, "low": low, "high": high, "sign": SIGN_DEADLINE, "feedback": FEEDBACK_DEADLINE,
            "now": NOW}


def bare_level(n: int) -> str:
    return (f"SELECT substr(region_code, 1, {n}) AS k, {COUNTS_SQL} FROM command_delivery "
            "WHERE root_id = %(root)s AND region_code >= %(low)s AND region_code < %(high)s GROUP BY k ORDER BY k")


BARE_TOTAL = ("SELECT " + COUNTS_SQL + " FROM command_delivery "
              "WHERE root_id = %(root)s AND region_code >= %(low)s AND region_code < %(high)s")


def sqlite_params(params: dict) -> dict:
    """SQLite stores datetimes as naive UTC text: compare like with like."""
    if connection.vendor != "sqlite":
        return params
    return {k: (v.replace(tzinfo=None).isoformat(" ") if isinstance(v, dt.datetime) else v) for k, v in params.items()}


def levels_of(region: Region) -> list[int]:
    return list(range(region.level + 1, Region.Level.COUNTY + 1))


def bare_run(root: Directive, region: Region, level: int | None = None):
    """The floor: the total and one GROUP BY per level (or only `level`)."""
    params = sqlite_params(bare_params(root, region))
    wanted = levels_of(region) if level is None else [level]

    def run():
        out = {}
        with connection.cursor() as cur:
            if level is None:
                cur.execute(BARE_TOTAL, params)
                out["total"] = cur.fetchone()
            for lv in wanted:
                cur.execute(bare_level(board_q.PREFIX_LEN[Region.Level(lv)]), params)
                out[lv] = {r[0]: tuple(r[1:]) for r in cur.fetchall()}
        return out
    return run


def fresh(user: User, fn):
    def run():
        scope.forget(user)
        return fn()
    return run


def as_tuple(counts) -> tuple:
    return tuple(getattr(counts, f) for f in FIELDS)


def check(b, bare: dict) -> None:
    assert as_tuple(b.total) == tuple(bare["total"]), (as_tuple(b.total), bare["total"])
    for level in b.levels:
        n = board_q.PREFIX_LEN[Region.Level(level.level)]
        orm = {r.region.code[:n]: as_tuple(r.counts) for r in level.rows}
        floor = bare[level.level]
        assert orm == floor, (level.level, sorted(set(orm.items()) ^ set(floor.items()))[:4])


def unit_rows_slim(root: Directive, user: User, region: Region):
    """The unit rows' query alone (the values() `unit_rows` reads, without building the rows)."""
    def run():
        qs = (board_q.chain_deliveries(root, user, region).order_by("region_code", "unit__name", "id")
              .values("id", "unit_id", "unit__name", "region_code", "directive_id", "delivered_at", "signed_at",
                      "signed_by__full_name", "signed_by__username", "signed_as", "fed_back_at",
                      "directive__feedback_required", "directive__sign_deadline", "directive__feedback_deadline"))
        return list(qs[:board_q.UNIT_LIMIT])
    return fresh(user, run)


def explain(sql: str, params) -> list[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [r[-1] for r in cur.fetchall()]


def queries_of(fn) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries), sum(float(q["time"]) for q in ctx.captured_queries) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=50_000, help="institutions (bureaus come on top)")
    parser.add_argument("--fixed-county", type=int, default=400,
                        help="institutions in 慈利县 whatever --units is (0: its round-robin share)")
    parser.add_argument("--other-directives", type=int, default=2000, help="older directives without deliveries")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sql", type=int, default=0, metavar="CHARS",
                        help="print the statements of one board() call, cut at CHARS characters")
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN of the ORM's filter and the bare query")
    parser.add_argument("--keep", action="store_true", help="reuse the deliveries if the database holds them")
    args = parser.parse_args()
    began = time.perf_counter()
    say(f"database: {connection.vendor}; load average at start: {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0)
    if not (args.keep and Unit.objects.filter(category=Category.INSTITUTION).count() == args.units
            and Directive.objects.count() == args.other_directives + 1
            and Unit.objects.filter(region_id=COUNTY, category=Category.INSTITUTION).count() == args.fixed_county):
        fill(args.units, args.fixed_county, args.other_directives)
    else:
        analyze()
    root = Directive.objects.select_related("issuer__region").get(status=Directive.Status.ISSUED)
    whom = [(PROVINCE, "省厅业务员"), (CITY, "张家界市局业务员"), (COUNTY, "慈利县局业务员")]
    say(f"root directive {root.pk} of {root.issuer.name}; deliveries: {Delivery.objects.count():,}; "
        f"now = {NOW:%Y-%m-%d %H:%M} UTC (both deadlines past); unit rows capped at {board_q.UNIT_LIMIT}")
    say(f"\nms over {args.runs} runs after 3 warm-ups (median / p95); queries = statements one call makes")
    for code, name in whom:
        user = officer(code, name)
        region = Region.objects.get(code=code)
        b = fresh(user, lambda user=user, region=region: board_q.board(root, user, region, NOW))()
        check(b, bare_run(root, region)())
        shape = ", ".join(f"level {lv.level}: {len(lv.rows)} rows" for lv in b.levels)
        say(f"\n{region.name} ({code}) as {name}: {b.total.delivered:,} deliveries, signed {b.total.signed:,} "
            f"({b.total.sign_rate} %), fed back {b.total.fed_back:,}, overdue {b.total.overdue:,}, late "
            f"{b.total.signed_late:,}; {shape}; {len(b.units)} unit rows; ORM counts = bare counts")
        rows = [("board(root, user, region)",
                 fresh(user, lambda user=user, region=region: board_q.board(root, user, region, NOW))),
                ("  totals", fresh(user, lambda user=user, region=region: board_q.totals(root, user, region, NOW)))]
        for lv in levels_of(region):
            rows.append((f"  level_rows level {lv}", fresh(
                user, lambda user=user, region=region, lv=lv: board_q.level_rows(root, user, region, lv, NOW))))
        rows.append(("  unit_rows (limit 500)", fresh(user, lambda user=user, region=region: board_q.unit_rows(
            root, user, region, NOW, limit=board_q.UNIT_LIMIT))))
        rows.append(("  unit rows' query alone (values())", unit_rows_slim(root, user, region)))
        rows.append(("  scope_of(user) alone (fresh)", fresh(user, lambda user=user: scope.scope_of(user))))
        rows.append(("  versions(root) alone", lambda: directive_versions(root)))
        rows.append(("bare SQL: total + one GROUP BY per level", bare_run(root, region)))
        for lv in levels_of(region):
            rows.append((f"  bare GROUP BY substr(region_code,1,{board_q.PREFIX_LEN[Region.Level(lv)]})",
                         bare_run(root, region, lv)))
        if args.plans:
            qs = board_q.chain_deliveries(root, user, region)
            sql, params = qs.order_by().values("pk").query.get_compiler(connection=connection).as_sql()
            say(f"    plan of the ORM's delivery filter: {sql[sql.index(' WHERE '):][:400]}")
            for line in explain(f"SELECT count(*) FROM ({sql}) t", list(params)):
                say("      " + line)
            qs = (board_q.chain_deliveries(root, user, region).select_related("unit", "signed_by", "directive")
                  .order_by("region_code", "unit__name", "id")[:board_q.UNIT_LIMIT])
            sql, params = qs.query.get_compiler(connection=connection).as_sql()
            say("    plan of unit_rows' query:")
            for line in explain(sql, list(params)):
                say("      " + line)
            say("    plan of the bare GROUP BY (deepest level):")
            for line in explain(bare_level(6), sqlite_params(bare_params(root, region))):
                say("      " + line)
        if args.sql:
            with CaptureQueriesContext(connection) as ctx:
                rows[0][1]()
            for q in ctx.captured_queries:
                say(f"    [{float(q['time']) * 1000:7.2f} ms] {q['sql'][:args.sql]}")
        for label, fn in rows:
            n, sql_ms = queries_of(fn)
            median, p95 = timed(fn, args.runs)
            say(f"  {label:<46}{n:>3} q {median:>9.2f} / {p95:<9.2f} (SQL {sql_ms:.1f} ms of one call)")
    say(f"\ntotal {time.perf_counter() - began:.0f} s; load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
