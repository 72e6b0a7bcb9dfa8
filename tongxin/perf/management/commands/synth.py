"""`tongxin synth`: build a synthetic country for the benchmarks (tongxin.perf.synth.build)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from tongxin.core.audit_guard import add_allow_audit_loss
from tongxin.perf import synth


class Command(BaseCommand):
    help = ("Build a synthetic country on the real division tree (units, daily reports, ledger, directives, duty, "
            "volunteers, donations) in bulk, for benchmarks. Refuses a database that holds units unless --reset.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=sorted(synth.PROFILES), default="small",
                            help="sizes: small (500 institutions, 14 days, 5,000 ledger entries, Hunan) or national "
                                 "(50,000, 365 days, 1,000,000, the whole country); the options below override them")
        parser.add_argument("--institutions", type=int, help="number of institutions")
        parser.add_argument("--days", type=int, help="days of daily reports")
        parser.add_argument("--ledger", type=int, help="number of ledger entries")
        parser.add_argument("--seed", type=int, default=1, help="the same seed builds the same data (default 1)")
        parser.add_argument("--provinces", help="province codes, comma separated (43,42), or 'all'")
        parser.add_argument("--reset", action="store_true", help="empty the database first (tongxin flush)")
        add_allow_audit_loss(parser, "Also run on a database holding audit records (with --reset: erase them).")

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = synth.profile(options["profile"])
        for key in ("institutions", "days", "ledger"):
            if options[key] is not None:
                sizes[key] = options[key]
        if options["provinces"]:
            text = options["provinces"].strip()
            sizes["provinces"] = None if text == "all" else [p.strip() for p in text.split(",") if p.strip()]
        self.stdout.write(f"tongxin synth on {connection.vendor}: {sizes['institutions']:,} institutions, "
                          f"{sizes['days']} days, {sizes['ledger']:,} ledger entries, seed {options['seed']}, "
                          f"provinces {', '.join(sizes['provinces']) if sizes['provinces'] else 'all'}")
        summary = synth.build(seed=options["seed"], reset=options["reset"],
                              allow_audit_loss=options["allow_audit_loss"],
                              say=lambda text: self.stdout.write(text), **sizes)
        self.stdout.write("")
        for table, n in summary.counts.items():
            self.stdout.write(f"  {table:<34}{n:>11,}")
        self.stdout.write(f"\nbuilt in {summary.seconds:.1f} s; reports {summary.first_day} .. {summary.last_day}; "
                          f"province {summary.province}, city {summary.city}, county {summary.county}")
        self.stdout.write(f"logins (password {summary.password}): "
                          + ", ".join(f"{level} {name}" for level, name in summary.officers.items())
                          + f", home reporter {summary.home_reporter}")
