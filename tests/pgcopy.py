"""Copy the PostgreSQL test database into a new database (CREATE DATABASE … TEMPLATE).

A template must have no other session. The caller closes its own connection first; what else is
left are idle connections that earlier tests' threads (race tests, the live server) opened and
never closed, so those are ended here rather than failing the copy, which is what happened when
the whole suite ran.
"""

from __future__ import annotations

from typing import Any


def copy_test_database(admin: Any, name: str, template: str) -> None:
    """With `admin`, a cursor or autocommit connection to another database (`postgres`), create
    database `name` as a copy of `template`."""
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = %s AND pid <> pg_backend_pid()", [template])
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
