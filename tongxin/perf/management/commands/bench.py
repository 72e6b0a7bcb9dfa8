"""`tongxin bench`: the benchmark suite over HTTP, each workload beside its floor (tongxin.perf.bench)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxin.perf import bench


class Command(BaseCommand):
    help = "Run the benchmark suite over HTTP (gunicorn + wrk), each workload beside its floor"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--profile", choices=sorted(bench.PROFILES), default="small",
                            help="data sizes and run lengths (small: CI-sized; national: by hand)")
        parser.add_argument("--data", choices=["build", "existing"], default="build",
                            help="build: tongxin synth the profile's country first (on an empty database); "
                                 "existing: bench what the database holds (a synthetic country or the demo)")
        parser.add_argument("--seconds", type=int, default=None, help="seconds per wrk run (default: the profile's)")
        parser.add_argument("--connections", type=int, default=None, help="wrk connections (default: the profile's)")
        parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: one per core)")
        parser.add_argument("--json", type=Path, default=Path("var/bench.json"), help="where the JSON result goes")
        parser.add_argument("--out", type=Path, default=None,
                            help="a Markdown file (e.g. bench/RESULTS.md) whose marked section the table replaces")
        parser.add_argument("--only", default="",
                            help="only the workloads whose name contains one of these texts (comma separated)")
        parser.add_argument("--label", default="",
                            help="the run's name in --out (default: the profile); a later run with the same label "
                                 "replaces its section")
        parser.add_argument("--growth", type=Path, nargs="+", default=None, metavar="JSON",
                            help="run nothing: write the growth table of these earlier results (smallest data first) "
                                 "to --out, under --label (default 'growth')")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["growth"]:
            self.growth(options["growth"], options["out"], options["label"] or "growth")
            return
        for name in ("seconds", "connections", "workers"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        result = bench.run(profile=options["profile"], data=options["data"], seconds=options["seconds"],
                           connections=options["connections"], workers=options["workers"],
                           out_json=options["json"], out_md=options["out"], only=options["only"],
                           label=options["label"],
                           say=lambda text: self.stdout.write(text))
        self.stdout.write(f"{len(result.rows)} rows in {result.wall_seconds} s; JSON in {options['json']}"
                          + (f", table in {options['out']}" if options["out"] else ""))

    def growth(self, paths: list[Path], out: Path | None, label: str) -> None:
        try:
            results = [json.loads(path.read_text()) for path in paths]
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read a bench result: {error}") from None
        if any("sizes" not in r or "rows" not in r for r in results):
            raise CommandError("a file given to --growth is not a `tongxin bench` JSON result of this version")
        section = bench.growth(results, label)
        if out:
            bench.write_results(out, section)
        self.stdout.write(section)
