"""Scripts run in a fresh process against a scratch database of the suite's own kind: a SQLite file,
or a PostgreSQL database named after the suite's with a suffix (the migration round trips)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings


def scratch_database(tmp_path: Path, suffix: str = "_roundtrip") -> tuple[str, object]:
    """(URL, cleanup) of an empty scratch database (on PostgreSQL, the suite's name + `suffix`)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}", lambda: None
    import psycopg

    name = f"{db['NAME']}{suffix}"
    server = {"host": db.get("HOST") or "localhost", "port": db.get("PORT") or 5432, "user": db.get("USER") or "",
              "password": db.get("PASSWORD") or "", "dbname": "postgres"}

    def run(sql: str) -> None:
        with psycopg.connect(**server, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    auth = quote(server["user"]) + (f":{quote(server['password'])}" if server["password"] else "")
    return (f"postgres://{auth}@{server['host']}:{server['port']}/{name}",
            lambda: run(f'DROP DATABASE IF EXISTS "{name}"'))


def run_on_scratch_database(tmp_path: Path, script: Path, suffix: str = "_roundtrip") -> str:
    """Run `script` with TONGXIN_DATABASE_URL on a new scratch database (dropped afterwards); its stdout.
    Fails the test with the end of its stderr if it fails."""
    url, cleanup = scratch_database(tmp_path, suffix)
    env = {**os.environ, "TONGXIN_DATABASE_URL": url, "TONGXIN_MEDIA_ROOT": str(tmp_path),
           "TONGXIN_HOME": str(Path(__file__).resolve().parents[1])}
    try:
        done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    finally:
        cleanup()  # type: ignore[operator]
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
