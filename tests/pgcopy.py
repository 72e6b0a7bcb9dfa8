"""Copy the test database for a subprocess: PostgreSQL into a new database (CREATE DATABASE … TEMPLATE),
SQLite into a file (`CommittedCopy`).

A template must have no other session. The caller closes its own connection first; what else is
left are idle connections that earlier tests' threads (race tests, the live server) opened and
never closed, so those are ended here rather than failing the copy, which is what happened when
the whole suite ran.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection


def copy_test_database(admin: Any, name: str, template: str) -> None:
    """With `admin`, a cursor or autocommit connection to another database (`postgres`), create
    database `name` as a copy of `template`."""
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = %s AND pid <> pg_backend_pid()", [template])
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


class CommittedCopy:
    """A committed copy of the test database that a subprocess can open, and plain queries on it
    (SQLite: the test database backed up to a file under `tmp`; PostgreSQL: a database named
    `prefix`_… made from the test database as its template). Make it before the test's own
    transaction opens, and `drop()` it afterwards."""

    def __init__(self, tmp: Path, prefix: str) -> None:
        db = settings.DATABASES["default"]
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp / "copy.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.path}"
        else:
            import psycopg

            self.params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"],
                           "password": db["PASSWORD"] or None}
            self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
            connection.close()  # a template database must have no other sessions
            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
                copy_test_database(admin, self.name, db["NAME"])
            netloc = f"{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            self.url = f"postgres://{netloc}/{self.name}"

    def query(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path) as c:
                return c.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(dbname=self.name, autocommit=True, **self.params) as c:
            return c.execute(sql).fetchall()

    def writer_holds_locks(self) -> bool:
        if self.vendor == "sqlite":
            c = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                c.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                return "locked" in str(exc)
            finally:
                c.close()
            return False
        rows = self.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND state = 'idle in transaction' AND backend_xid IS NOT NULL")
        return rows[0][0] == 1

    def drop(self) -> None:
        if self.vendor != "sqlite":
            import psycopg

            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
