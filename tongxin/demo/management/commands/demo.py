"""`tongxin demo [--build-only] [--port N] [--addr 127.0.0.1]`: migrate, build the Hunan demo, serve it.

Safe to run again: migrate and the build are idempotent, so a second run only starts the server.
`tongxin.cli` points the database at var/demo.sqlite3 unless TONGXIN_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tongxin.demo import story
from tongxin.demo.builder import build_demo
from tongxin.units.models import Role


def _default_port() -> int:
    value = os.environ.get("PORT") or "8000"
    if not value.isdigit():
        raise CommandError(f"PORT must be a port number, not {value!r}")
    return int(value)


class Command(BaseCommand):
    help = "Build the Hunan demo (idempotent) and serve it with Django's development server."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--build-only", action="store_true", help="build the demo data and exit")
        parser.add_argument("--port", type=int, default=None, help="port (default: $PORT or 8000)")
        parser.add_argument("--addr", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")

    def handle(self, *args: Any, build_only: bool, port: int | None, addr: str, **options: Any) -> None:
        port = _default_port() if port is None else port
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.MIGRATE_HEADING("构建湖南演示数据 / building the Hunan demo"))
        build_demo(stdout=self.stdout)
        self.stdout.write(f"完成，用时 {time.monotonic() - started:.1f} 秒")
        host = f"[{addr}]" if ":" in addr else addr
        self.print_logins(f"http://{host}:{port}/")
        if not build_only:
            call_command("runserver", f"{host}:{port}", use_reloader=False)

    def print_logins(self, url: str) -> None:
        rows = [(x.username, x.full_name, str(Role(x.role).label), x.unit) for x in story.LOGINS]
        width = max(len(r[0]) for r in rows)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("演示账号 / demo logins"))
        for username, full_name, role, unit in rows:
            self.stdout.write(f"  {username.ljust(width)}  {full_name}  {role} · {unit}")
        self.stdout.write(f"\n  密码 / password: {story.PASSWORD}")
        self.stdout.write(f"  地址 / URL:      {url}  (登录 {url}accounts/login/)\n")
