"""`tongxin bench`: the hot paths over HTTP, each beside its floor, in one run.

`run(options)` guarantees, for the database Django is configured with:
- the data step first (`scene.prepare`: `tongxin synth`'s build, or the data already there);
- one gunicorn (one worker per core, on a spare loopback port) with `tongxin.perf.bench_settings`,
  which mounts the floors (`tongxin.perf.floors`) beside the site; DEBUG off as in a deployment, plain
  http on loopback (TONGXIN_DEMO), the filing rate limit lifted so the load generator measures filing
  and not the limiter; the server is stopped however the run ends;
- each HTTP workload is driven by wrk (Lua script, `--latency`) for `seconds`, right after its floor
  with the same connections and duration; before either, one request checks the answer is a 200 (not
  a redirect to the login page, not an error), else the run stops with what came back;
- the export and upload workloads (the consolidated table by unit, the unit registry, the batch upload)
  run in a fresh Python process each (`tongxin.perf.inproc`), so peak memory is that process's, beside
  the xlsx library's raw write loop / parsing the file alone;
- the result is a JSON file and a Markdown table (`markdown`, `write_results`) with the date, cores,
  memory, database, the load average after each workload, and per row measured, floor and ratio.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.tokens import issue_token
from tongxin.perf import synth
from tongxin.perf.floors import FLOOR_TABLE
from tongxin.perf.scene import Scene, prepare

PROFILES: dict[str, dict[str, Any]] = {  # wrk settings per profile; the data sizes are synth's (synth.PROFILES)
    "small": {"seconds": 3, "connections": 4},
    "national": {"seconds": 20, "connections": 8},
}
MIN_REQUESTS = 5


def marks(label: str) -> tuple[str, str]:
    """The comments around the section a run labelled `label` writes (one section per label)."""
    return f"<!-- tongxin bench {label}: begin -->", f"<!-- tongxin bench {label}: end -->"

LUA = r"""
-- written by tongxin bench: one request shape per run, the summary as one JSON line at the end
local headers = %(headers)s
local method = "%(method)s"
local bodies = {}
local counter = 0
local step = 1

threads_seen = 0

function setup(thread)
  thread:set("first", threads_seen)
  threads_seen = threads_seen + 1
end

function init(args)
  if "%(bodies)s" ~= "" then
    for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
  end
  counter = first or 0
  step = %(threads)d
end

function request()
  local body = nil
  if #bodies > 0 then
    body = bodies[(counter %% #bodies) + 1]
    counter = counter + step
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH-JSON {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d, ' ..
    '"p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f, "mean_ms": %%.3f}\n', summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


@dataclass
class Measure:
    """One side of a row: an HTTP run (req/s, p50, p95) or an in-process run (seconds, peak MB)."""

    rate: float = 0.0  # requests (or filings) per second
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    failed: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0
    request_seconds: float = 0.0  # file rows: how long the user's request took (a background export's is short)
    note: str = ""


@dataclass
class Row:
    workload: str
    unit: str  # "req/s" or "s"
    measured: Measure
    floor: Measure
    floor_label: str
    load: float  # 1-minute load average right after the pair ran
    key: str  # the same for the same workload on any data (the growth table matches rows by it)
    ratio: float = 0.0  # how many times the floor: latency p50 ratio for HTTP rows, seconds for in-process ones
    verdict: str = ""  # "met", "short: …" or "" (no target), against TARGETS

    def __post_init__(self) -> None:
        if self.unit == "req/s":
            self.ratio = self.measured.p50_ms / self.floor.p50_ms if self.floor.p50_ms else 0.0
        else:
            self.ratio = self.measured.seconds / self.floor.seconds if self.floor.seconds else 0.0
        target = target_of(self.key)
        self.verdict = target.verdict(self) if target else ""


@dataclass(frozen=True)
class Target:
    """What issue #13 asks of a workload at the national profile on a 2-core machine."""

    p95_ms: float | None = None  # p95 at most
    ratio: float | None = None  # p50 at most this many times the floor's
    rate: float | None = None  # at least this many requests (filings) per second
    share: float | None = None  # at least this share of the floor's rate
    seconds: float | None = None  # file rows: at most this many seconds
    peak_mb: float | None = None  # file rows: peak memory at most
    request_seconds: float | None = None  # file rows: the request at most this long (the rest in the background)

    def text(self) -> str:
        parts = [f"p95 ≤ {self.p95_ms:g} ms" if self.p95_ms else "", f"≤ {self.ratio:g}× floor" if self.ratio else "",
                 f"≥ {self.rate:g}/s" if self.rate else "", f"≥ {self.share:.0%} of floor" if self.share else "",
                 f"≤ {self.seconds:g} s" if self.seconds else "", f"≤ {self.peak_mb:g} MB" if self.peak_mb else "",
                 f"request ≤ {self.request_seconds:g} s" if self.request_seconds else ""]
        return ", ".join(p for p in parts if p)

    def verdict(self, row: Row) -> str:
        m, f = row.measured, row.floor
        short = []
        if self.p95_ms and m.p95_ms > self.p95_ms:
            short.append(f"p95 {m.p95_ms:,.0f} ms, {m.p95_ms - self.p95_ms:,.0f} ms over")
        if self.ratio and row.ratio > self.ratio:
            short.append(f"{row.ratio:.1f}× the floor, not ≤ {self.ratio:g}×")
        if self.rate and m.rate < self.rate:
            short.append(f"{m.rate:,.0f}/s, {self.rate - m.rate:,.0f}/s short")
        if self.share and f.rate and m.rate / f.rate < self.share:
            short.append(f"{m.rate / f.rate:.0%} of the floor, not ≥ {self.share:.0%}")
        if self.seconds and m.seconds > self.seconds:
            short.append(f"{m.seconds:.1f} s, {m.seconds - self.seconds:.1f} s over")
        if self.request_seconds and m.request_seconds > self.request_seconds:
            over = m.request_seconds - self.request_seconds
            short.append(f"the request took {m.request_seconds:.1f} s, {over:.1f} s over")
        if self.peak_mb and m.peak_mb > self.peak_mb:
            short.append(f"{m.peak_mb:,.0f} MB, {m.peak_mb - self.peak_mb:,.0f} MB over")
        return "short: " + "; ".join(short) if short else "met"


# (row key prefix, target): the first match applies; a row no prefix matches has no target
TARGETS: list[tuple[str, Target]] = [
    ("overview/", Target(p95_ms=100, ratio=3)),
    ("completeness/", Target(p95_ms=150)),
    ("missing/", Target(p95_ms=150)),
    ("ledger-page/", Target(p95_ms=50)),
    ("ledger-stats/", Target(p95_ms=2000)),
    ("public-appeal", Target(p95_ms=50)),
    ("submission", Target(rate=200, share=0.4)),
    ("export", Target(request_seconds=5, peak_mb=250)),  # the request: a long export runs in the background
    ("unit-export", Target(request_seconds=5, peak_mb=250)),
    ("upload", Target(seconds=5)),
]
READS = ("overview/", "completeness/", "missing/", "ledger-page/", "ledger-stats/", "public-appeal")  # growth rows


def picked(only: str, name: str) -> bool:
    """Whether the workload `name` runs under --only (comma-separated texts, any of which it contains)."""
    return not only or any(part.strip() and part.strip() in name for part in only.split(","))


def target_of(key: str) -> Target | None:
    return next((t for prefix, t in TARGETS if key.startswith(prefix)), None)


@dataclass
class Result:
    date: str
    machine: dict[str, Any]
    database: str
    profile: str
    label: str
    data: str
    sizes: dict[str, int]  # what the data holds: reports, ledger entries, units
    seconds: int
    connections: int
    workers: int
    rows: list[Row] = field(default_factory=list)
    wall_seconds: float = 0.0


# --- the machine --------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    memory = 0
    try:
        text = Path("/proc/meminfo").read_text()
        found = re.search(r"MemTotal:\s+(\d+) kB", text)
        memory = int(found.group(1)) // 1024 if found else 0
    except OSError:
        pass
    model = ""
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else ""
    except OSError:
        pass
    return {"cores": os.cpu_count() or 1, "memory_mb": memory, "cpu": model, "system": platform.platform(),
            "python": platform.python_version()}


def database() -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"
        cur.execute("SELECT sqlite_version()")
        return f"SQLite {cur.fetchone()[0]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server ---------------------------------------------------------------------------------

def server_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the bench's processes: the configured database, DEBUG off, plain http."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "TONGXIN_DEMO": "true", "TONGXIN_DEBUG": "false", "TONGXIN_BENCH": "1",
           "TONGXIN_LOG_LEVEL": "WARNING", "TONGXIN_RATE_SUBMIT": "1000000/m", "PYTHONUNBUFFERED": "1",
           "DJANGO_SETTINGS_MODULE": "tongxin.perf.bench_settings"}
    env.setdefault("TONGXIN_HOME", str(settings.PROJECT_DIR))
    if db["ENGINE"].endswith("sqlite3"):
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise CommandError("the bench needs a database another process can open, not an in-memory SQLite")
        env["TONGXIN_DATABASE_URL"] = f"sqlite:///{name}"
    else:
        user, password = urllib.parse.quote(db["USER"] or ""), urllib.parse.quote(db["PASSWORD"] or "")
        auth = f"{user}:{password}@" if password else f"{user}@"
        env["TONGXIN_DATABASE_URL"] = f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**env, **(extra or {})}


class Server:
    """gunicorn on a spare loopback port; a context manager that stops it however the block ends."""

    def __init__(self, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("gunicorn is not installed (pip install -e . installs it)")
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [gunicorn, "tongxin.wsgi:application", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--error-logfile", "-"],
            env=server_environment(), stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn exited at start-up ({self.process.returncode}): see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)  # waiting for the server to listen
        self.stop()
        raise CommandError(f"gunicorn did not answer /healthz within 60 s: see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def login(base: str, username: str, password: str) -> str:
    """The session cookie header of `username` signed in through the login page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=20).read()
    csrf = next((c.value or "" for c in jar if c.name == "csrftoken"), "")
    body = urllib.parse.urlencode({"username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=body, headers={
        "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded", "Referer": f"{base}/accounts/login/"})
    opener.open(request, timeout=20).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise CommandError(f"signing in as {username} failed: no session (wrong password, lockout or 2FA?)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def probe(base: str, path: str, headers: dict[str, str], method: str = "GET", body: str | None = None) -> int:
    """One request; returns its status, or raises CommandError naming what came back instead of a 2xx."""
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=body.encode() if body is not None else None)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=120) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        raise CommandError(f"{method} {path} answered {exc.code}: {exc.read()[:300]!r}") from None


# --- wrk ----------------------------------------------------------------------------------------

def settle(base: str, workers: int) -> None:
    """Wait until every worker is free again: wrk leaves requests in flight that the workers finish."""
    def health() -> None:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=120) as answer:
                answer.read()
        except OSError:
            pass

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: health(), range(workers)))


def wrk(base: str, path: str, *, seconds: int, connections: int, headers: dict[str, str], workdir: Path,
        method: str = "GET", bodies: Path | None = None, workers: int = 1) -> Measure:
    """`path` under load for `seconds` (wrk, one thread per core up to `connections`), on a settled server;
    a run that completed fewer than MIN_REQUESTS is run again twice as long (up to 8×)."""
    for attempt in range(4):
        settle(base, workers)
        measure = _wrk(base, path, seconds=seconds * 2**attempt, connections=connections, headers=headers,
                       workdir=workdir, method=method, bodies=bodies)
        if measure.requests - measure.failed >= MIN_REQUESTS:
            break
    return measure


def _wrk(base: str, path: str, *, seconds: int, connections: int, headers: dict[str, str], workdir: Path,
         method: str = "GET", bodies: Path | None = None) -> Measure:
    exe = shutil.which("wrk")
    if exe is None:
        raise CommandError("wrk is not installed: apt-get install -y wrk (scripts/ensure-bench.sh)")
    threads = max(1, min(connections, os.cpu_count() or 1))
    lua_headers = "{" + ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in headers.items()) + "}"
    script = workdir / f"wrk-{abs(hash((path, method)))}.lua"
    script.write_text(LUA % {"headers": lua_headers, "method": method, "bodies": str(bodies or ""),
                             "threads": threads})
    done = subprocess.run([exe, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s",
                           "-s", str(script), base + path], capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise CommandError(f"wrk failed on {path}: {done.stderr[-500:] or done.stdout[-500:]}")
    out = json.loads(line.removeprefix("BENCH-JSON "))
    secs = out["duration_us"] / 1e6
    ok = out["requests"] - out["non2xx"]
    return Measure(rate=round(ok / secs, 2) if secs else 0.0, p50_ms=round(out["p50_ms"], 2),
                   p95_ms=round(out["p95_ms"], 2), p99_ms=round(out["p99_ms"], 2), requests=out["requests"],
                   failed=out["non2xx"] + out["socket_errors"], seconds=round(secs, 2))


# --- in-process workloads -----------------------------------------------------------------------

def inproc(args: list[str]) -> dict[str, Any]:
    """`tongxin.perf.inproc` in a fresh process with the server's environment; its JSON answer."""
    env = server_environment({"DJANGO_SETTINGS_MODULE": "tongxin.settings"})
    done = subprocess.run([sys.executable, "-m", "tongxin.perf.inproc", *args], env=env, capture_output=True,
                          text=True, timeout=1800)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise CommandError(f"tongxin.perf.inproc {args[0]} failed: {done.stderr[-1500:]}")
    return dict(json.loads(line.removeprefix("BENCH-JSON ")))


# --- the run ------------------------------------------------------------------------------------

def floor_table(create: bool) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        if create:
            cur.execute(f"CREATE TABLE {FLOOR_TABLE} (unit_id integer NOT NULL, day date NOT NULL, payload text)")


def analyze(say: Callable[[str], None]) -> None:
    """Fresh planner statistics, as autovacuum would leave them (the issue's stale-statistics finding)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            if connection.in_atomic_block:
                cur.execute("ANALYZE")
            else:
                cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
    say("statistics refreshed (VACUUM ANALYZE / ANALYZE)")


def sizes() -> dict[str, int]:
    """How big the data is, for the growth table: reports, ledger entries and units."""
    from tongxin.ledger.models import LedgerEntry
    from tongxin.reports.models import Report
    from tongxin.units.models import Unit

    return {"reports": Report.objects.count(), "ledger entries": LedgerEntry.objects.count(),
            "units": Unit.objects.count()}


def run(*, profile: str, data: str, seconds: int | None, connections: int | None, workers: int | None,
        out_json: Path | None, out_md: Path | None, only: str = "", label: str = "",
        say: Callable[[str], None] = print) -> Result:
    """The whole suite (module docstring); returns the Result and writes it where asked."""
    began = time.perf_counter()
    conf = PROFILES[profile]
    seconds = seconds or int(conf["seconds"])
    connections = connections or int(conf["connections"])
    workers = workers or (os.cpu_count() or 1)
    pairs = max(500, int(seconds * 600 * 2))  # filings for the API run and its floor, at up to 600/s
    scene = prepare(synth.profile(profile), data, pairs, say)
    say(f"data: {scene.source}; regions {scene.regions}; day {scene.day}; {len(scene.filings)} filings ready")
    analyze(say)
    floor_table(create=True)
    result = Result(date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), machine=machine(),
                    database=database(), profile=profile, label=label or profile, data=scene.source,
                    sizes=sizes(), seconds=seconds,
                    connections=connections, workers=workers)
    officer_users = {level: User.objects.get(username=name) for level, name in scene.officers.items()}
    _token, api_key = issue_token(officer_users["province"], name="tongxin bench", days=1)
    workdir = Path(tempfile.mkdtemp(prefix="tongxin-bench-"))
    try:
        with Server(workers, workdir / "gunicorn.log") as server:
            cookies = {level: login(server.base, name, scene.password) for level, name in scene.officers.items()}
            rows = http_rows(server.base, scene, cookies, api_key, workdir, seconds, connections, workers, only, say)
            result.rows.extend(rows)
        if any(picked(only, name) for name in (EXPORT, UNIT_EXPORT, UPLOAD)):
            result.rows.extend(file_rows(scene, only, say))
    finally:
        floor_table(create=False)
        shutil.rmtree(workdir, ignore_errors=True)
    result.wall_seconds = round(time.perf_counter() - began, 1)
    if out_json:
        out_json.parent.mkdir(parents=True, exist_ok=True)
        out_json.write_text(json.dumps(asdict(result), ensure_ascii=False, indent=2, default=str) + "\n")
    if out_md:
        write_results(out_md, markdown(result))
    return result


def http_rows(base: str, scene: Scene, cookies: dict[str, str], api_key: str, workdir: Path, seconds: int,
              connections: int, workers: int, only: str, say: Callable[[str], None]) -> list[Row]:
    day, a = scene.day.isoformat(), scene.assignment
    today = timezone.localdate().isoformat()
    now = timezone.localtime().replace(microsecond=0).isoformat()
    since = (scene.day - dt.timedelta(days=6)).isoformat()
    r = scene.regions
    html = {"Accept": "text/html"}
    api = {"Accept": "application/json"}
    # (key, name, page path, cookie level or "" (anonymous) or "token", floor path, floor label)
    plans: list[tuple[str, str, str, str, str, str]] = []
    for level in ("province", "city", "county"):
        q = urllib.parse.urlencode({"assignment": a, "region": r[level], "day": day})
        plans.append((f"overview/{level}", f"overview, {level} {r[level]}", f"/reports/overview/?{q}", level,
                      f"/_floor/overview/?{q}", "bare SELECTs of the roll-up rows"))
    for level in ("province", "county"):
        q = urllib.parse.urlencode({"assignment": a, "region": r[level], "day": day})
        plans.append((f"completeness/{level}", f"completeness, {level} {r[level]}", f"/api/completeness/?{q}",
                      level, f"/_floor/missing/?{q}", "bare SQL anti-join"))
        plans.append((f"missing/{level}", f"missing list, {level} {r[level]}", f"/api/completeness/missing/?{q}",
                      level, f"/_floor/missing/?{q}", "bare SQL anti-join"))
    plans.append(("ledger-page/county", f"ledger: overdue first page, county {r['county']}",
                  f"/ledger/?{urllib.parse.urlencode({'region': r['county'], 'overdue': 1})}", "county",
                  f"/_floor/ledger_page/?{urllib.parse.urlencode({'region': r['county'], 'today': today})}",
                  "bare SQL page + count"))
    plans.append(("ledger-stats/province", f"ledger: statistics, province {r['province']}",
                   f"/ledger/stats/?{urllib.parse.urlencode({'region': r['province']})}", "province",
                   f"/_floor/ledger_stats/?{urllib.parse.urlencode({'region': r['province'], 'today': today})}",
                   "one SQL GROUP BY"))
    if scene.directive:
        plans.append(("directive-board", f"directive board, province (directive {scene.directive})",
                      f"/command/directives/{scene.directive}/board/", "province",
                      "/_floor/directive_board/?"
                      + urllib.parse.urlencode({"region": r["province"], "root": scene.directive}),
                      "bare GROUP BY per level"))
    plans.append(("duty-board", "duty board, province", "/command/duty/", "province",
                  f"/_floor/duty_board/?{urllib.parse.urlencode({'region': r['province'], 'now': now})}",
                  "bare SELECT of today's shifts"))
    week = {"region": r["province"], "day": since, "until": day}
    plans.append(("volunteer-board", f"volunteer board (mobilization overview), province, {since}..{day}",
                  f"/mobilization/overview/?{urllib.parse.urlencode(week)}", "province",
                  "/_floor/volunteer_overview/?"
                  + urllib.parse.urlencode({"region": r["province"], "since": since, "until": day}),
                  "bare GROUP BYs over deployment days"))
    if scene.appeal:
        plans.append(("public-appeal", f"public appeal page (appeal {scene.appeal})",
                      f"/public/appeals/{scene.appeal}/", "",
                      f"/_floor/appeal/?{urllib.parse.urlencode({'appeal': scene.appeal})}",
                      "bare SELECTs of sums and rows"))
    rows: list[Row] = []
    for key, name, page, who, floor, label in plans:
        if not picked(only, name):
            continue
        headers = {**(api if page.startswith("/api/") else html)}
        if who:
            headers["Cookie"] = cookies[who]
        probe(base, page, headers)
        probe(base, floor, {})
        measured = wrk(base, page, seconds=seconds, connections=connections, headers=headers, workdir=workdir,
                       workers=workers)
        bare = wrk(base, floor, seconds=seconds, connections=connections, headers={}, workdir=workdir,
                   workers=workers)
        rows.append(Row(name, "req/s", measured, bare, label, round(os.getloadavg()[0], 2), key))
        say(line(rows[-1]))
    if picked(only, "report submission over the API"):
        rows.append(submissions(base, scene, api_key, workdir, seconds, connections, workers))
        say(line(rows[-1]))
    return rows


def submissions(base: str, scene: Scene, api_key: str, workdir: Path, seconds: int, connections: int,
                workers: int) -> Row:
    """Filing over the API, one (home, day) per request, beside a bare INSERT of the same bodies."""
    half = len(scene.filings) // 2
    first, rest = workdir / "filings-api.jsonl", workdir / "filings-floor.jsonl"
    probe_body, *api_bodies = scene.filings[:half]
    first.write_text("".join(json.dumps(b) + "\n" for b in api_bodies))
    rest.write_text("".join(json.dumps(b) + "\n" for b in scene.filings[half:]))
    headers = {"Authorization": f"Token {api_key}", "Content-Type": "application/json", "Accept": "application/json"}
    probe(base, "/api/reports/", headers, method="POST", body=json.dumps(probe_body))
    probe(base, "/_floor/insert/", {"Content-Type": "application/json"}, method="POST", body=json.dumps(probe_body))
    measured = wrk(base, "/api/reports/", seconds=seconds, connections=connections, headers=headers,
                   workdir=workdir, method="POST", bodies=first, workers=workers)
    bare = wrk(base, "/_floor/insert/", seconds=seconds, connections=connections,
               headers={"Content-Type": "application/json"}, workdir=workdir, method="POST", bodies=rest,
               workers=workers)
    if measured.requests > len(api_bodies):
        measured.note = f"ran out of fresh filings after {len(api_bodies)}: the rest were refused repeats"
    return Row("report submission over the API (filings/s)", "req/s", measured, bare, "bare view doing one INSERT",
               round(os.getloadavg()[0], 2), "submission")


EXPORT, UNIT_EXPORT, UPLOAD = "consolidated xlsx export", "unit registry xlsx export", "Excel upload of report rows"
UPLOAD_ROWS = 5_000  # the issue's upload: 5,000 rows filled in the province's template (the rest left blank)


def _how(out: dict[str, Any]) -> str:
    return (f"a background export, its request {out['request_seconds']:.2f} s" if out["background"]
            else "a direct download")


def file_rows(scene: Scene, only: str, say: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []
    region, day = scene.regions["province"], scene.day.isoformat()
    user = scene.officers["province"]
    if picked(only, EXPORT):
        out = inproc(["export", "--user", user, "--assignment", str(scene.assignment), "--region", region,
                      "--day", day, "--warm", scene.regions["county"]])
        floor = inproc(["export-floor", "--rows", str(out["rows"]), "--columns", str(out["columns"])])
        rows.append(Row(f"{EXPORT}, {region} {day} ({out['rows']:,} rows)", "s",
                        Measure(seconds=out["seconds"], peak_mb=out["peak_mb"], requests=1, note=_how(out),
                                request_seconds=out["request_seconds"]),
                        Measure(seconds=floor["seconds"], peak_mb=floor["peak_mb"], requests=1),
                        "openpyxl write_only loop, same rows x columns", round(os.getloadavg()[0], 2), "export"))
        say(line(rows[-1]))
    if picked(only, UNIT_EXPORT):
        out = inproc(["unit-export", "--user", user, "--warm", scene.regions["county"]])
        floor = inproc(["export-floor", "--rows", str(out["rows"]), "--columns", str(out["columns"])])
        rows.append(Row(f"{UNIT_EXPORT}, {region} ({out['rows']:,} rows)", "s",
                        Measure(seconds=out["seconds"], peak_mb=out["peak_mb"], requests=1, note=_how(out),
                                request_seconds=out["request_seconds"]),
                        Measure(seconds=floor["seconds"], peak_mb=floor["peak_mb"], requests=1),
                        "openpyxl write_only loop, same rows x columns", round(os.getloadavg()[0], 2), "unit-export"))
        say(line(rows[-1]))
    if picked(only, UPLOAD) and scene.upload_day:
        out = inproc(["upload", "--user", user, "--assignment", str(scene.filing_assignment), "--region", region,
                      "--day", scene.upload_day.isoformat(), "--rows", str(UPLOAD_ROWS)])
        rows.append(Row(f"{UPLOAD}, {region} ({out['rows']:,} rows)", "s",
                        Measure(seconds=out["seconds"], peak_mb=out["peak_mb"], requests=1),
                        Measure(seconds=out["parse_seconds"], peak_mb=0.0, requests=1),
                        "parsing the same file alone (openpyxl read_only)", round(os.getloadavg()[0], 2), "upload"))
        say(line(rows[-1]))
    return rows


# --- output -------------------------------------------------------------------------------------

def line(row: Row) -> str:
    m, f = row.measured, row.floor
    verdict = f" | {row.verdict}" if row.verdict else ""
    if row.unit == "req/s":
        return (f"{row.workload}: {m.rate:.1f} req/s p50 {m.p50_ms:.1f} p95 {m.p95_ms:.1f} ms | floor {f.rate:.1f} "
                f"req/s p50 {f.p50_ms:.1f} ms | x{row.ratio:.1f} | load {row.load}{verdict}")
    return (f"{row.workload}: {m.seconds:.2f} s, peak {m.peak_mb:.0f} MB | floor {f.seconds:.2f} s | x{row.ratio:.1f}"
            f" | load {row.load}{verdict}")


def _target(row: Row) -> str:
    target = target_of(row.key)
    return f"{target.text()}: **{row.verdict}**" if target else "—"


def _sizes(sizes: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {what}" for what, n in sizes.items())


def markdown(result: Result) -> str:
    m = result.machine
    begin, end = marks(result.label)
    out = [begin, f"## tongxin bench --profile {result.profile}: {result.label} ({result.date[:10]})", "",
           f"Run {result.date} on {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory_mb']:,} MB memory, "
           f"{m['system']}; {result.database}; data: {result.data} ({_sizes(result.sizes)}). gunicorn "
           f"{result.workers} workers, wrk {result.connections} connections for {result.seconds} s per run, measured "
           f"and floor back to back; wall time {result.wall_seconds} s. Ratio: measured p50 / floor p50 (HTTP rows), "
           "measured seconds / floor seconds (file rows). Load: 1-minute load average after the pair. Target: "
           "issue #13's, for the national profile.", "",
           "| workload | measured req/s | p50 ms | p95 ms | failed | floor | floor req/s | floor p50 ms | "
           "floor p95 ms | ratio | load | target |",
           "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for row in result.rows:
        a, f = row.measured, row.floor
        if row.unit == "req/s":
            out.append(f"| {row.workload} | {a.rate:,.1f} | {a.p50_ms:,.1f} | {a.p95_ms:,.1f} | {a.failed} | "
                       f"{row.floor_label} | {f.rate:,.1f} | {f.p50_ms:,.1f} | {f.p95_ms:,.1f} | "
                       f"{row.ratio:.1f}× | {row.load} | {_target(row)} |")
    files = [row for row in result.rows if row.unit == "s"]
    if files:
        out += ["", "| workload | seconds | peak MB | floor | floor seconds | floor peak MB | ratio | load | target |",
                "|---|---:|---:|---|---:|---:|---:|---:|---|"]
    for row in files:
        a, f = row.measured, row.floor
        out.append(f"| {row.workload} | {a.seconds:.2f} | {a.peak_mb:.0f} | {row.floor_label} | {f.seconds:.2f} | "
                   f"{f.peak_mb:.0f} | {row.ratio:.1f}× | {row.load} | {_target(row)} |")
    notes = [f"- {row.workload}: {row.measured.note}" for row in result.rows if row.measured.note]
    out += ["", *notes, end] if notes else ["", end]
    return "\n".join(out) + "\n"


def growth(results: list[dict[str, Any]], label: str) -> str:
    """The growth table: each read workload's p50 / p95 in every run given (JSON results, smallest data
    first), with each run's data size beside the first's."""
    if len(results) < 2:
        raise CommandError("the growth table needs the JSON results of at least two runs")
    base = results[0]["sizes"].get("reports") or 1
    begin, end = marks(label)
    head = " | ".join(f"{r['sizes'].get('reports', 0) / base:.0f}× p50 / p95 ms" for r in results)
    out = [begin, f"## Growth: the read workloads at {len(results)} data sizes ({results[-1]['date'][:10]})", "",
           *[f"- {r['sizes'].get('reports', 0) / base:.0f}×: {r['label']}, {r['date']}, {_sizes(r['sizes'])}; "
             f"{r['database']}" for r in results], "",
           f"| workload | {head} | last / first p50 |", "|---|" + "---:|" * (len(results) + 1)]
    keyed = [{row["key"]: row for row in r["rows"]} for r in results]
    for key in [k for k in keyed[-1] if k.startswith(READS)]:
        cells = [keyed[i].get(key) for i in range(len(results))]
        shown = " | ".join(f"{c['measured']['p50_ms']:,.1f} / {c['measured']['p95_ms']:,.1f}" if c else "—"
                           for c in cells)
        first, last = cells[0], cells[-1]
        change = (f"{last['measured']['p50_ms'] / first['measured']['p50_ms']:.2f}×"
                  if first and last and first["measured"]["p50_ms"] else "—")
        out.append(f"| {last['workload'] if last else key} | {shown} | {change} |")
    return "\n".join([*out, "", end]) + "\n"


def write_results(path: Path, section: str) -> None:
    """Put `section` into `path` in place of the section with the same markers, or append it."""
    begin, end = section.split("\n", 1)[0], section.rstrip("\n").rsplit("\n", 1)[-1]
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
