"""Database snapshots for tests that need the whole demo in committed tables.

Building the 2021 story takes one to two minutes on the CI machine, and several test modules need
it: the browser tests (committed, for the live server; pytest-django empties every table after
each), the backup round trip (committed, for the backup) and the story's own checks of a module
(tests/command/test_meetings_demo.py). So the demo is built once per test session and kept as a
snapshot (the session fixture `demo_snapshots`, tests/conftest.py), and each user gets an exact
copy back in about a second:

- SQLite (the tests' in-memory database): the whole database, copied page by page with SQLite's
  backup API into a second in-memory database, and back;
- PostgreSQL: every table copied into a schema of its own (`CREATE TABLE … AS TABLE …`), and back
  with TRUNCATE + INSERT … SELECT, then the id sequences reset.

The evidence files the build stored (MEDIA_ROOT) are copied with it.

A transactional test takes a snapshot with `Snapshots.get` (pytest-django empties the tables after
it); a module that reads the story in ordinary rolled-back tests takes it with `Snapshots.commit`
and gives the database back exactly as it found it with `Snapshots.put_back`.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from tongxin.core import audit_guard


@dataclass
class Snapshot:
    name: str
    media: Path
    sqlite: sqlite3.Connection | None = None


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _empty() -> None:
    """Every table emptied, as pytest-django's flush leaves them (sequences included); the audit
    table's triggers let it through only inside `audit_loss_allowed`, as they do for `flush`."""
    sql = connection.ops.sql_flush(no_style(), _tables(), reset_sequences=True, allow_cascade=True)
    with audit_guard.audit_loss_allowed(connection.alias):
        connection.ops.execute_sql_flush(sql)


def take(name: str, media: Path, root: Path) -> Snapshot:
    """Keep what the database holds now (committed) and the files under `media` (copied into `root`)."""
    copy = root / f"{name}-media"
    shutil.rmtree(copy, ignore_errors=True)
    if media.exists():
        shutil.copytree(media, copy)
    else:
        copy.mkdir(parents=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(target)
        return Snapshot(name, copy, sqlite=target)
    schema = connection.ops.quote_name(f"snapshot_{name}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        for table in _tables():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"CREATE TABLE {schema}.{quoted} AS TABLE public.{quoted}")
    return Snapshot(name, copy)


def restore(snapshot: Snapshot, media: Path) -> None:
    """Make the database (and the files under `media`) exactly what they were when `snapshot` was taken."""
    shutil.rmtree(media, ignore_errors=True)
    shutil.copytree(snapshot.media, media)
    if snapshot.sqlite is not None:
        connection.ensure_connection()
        snapshot.sqlite.backup(connection.connection)
        return
    schema = connection.ops.quote_name(f"snapshot_{snapshot.name}")
    tables = _tables()
    with audit_guard.audit_loss_allowed(connection.alias), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"INSERT INTO public.{quoted} SELECT * FROM {schema}.{quoted}")
        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in tables]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def drop(snapshot: Snapshot) -> None:
    """Forget `snapshot`: its copy of the database and of the files."""
    shutil.rmtree(snapshot.media, ignore_errors=True)
    if snapshot.sqlite is not None:
        snapshot.sqlite.close()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(f'snapshot_{snapshot.name}')} CASCADE")


def story() -> None:
    """The 2021 story, as `build_demo(live_drill=False)` builds it (the story does not depend on the
    moment of the build: only the live drill does)."""
    from tongxin.demo.builder import build_demo

    build_demo(live_drill=False)


def today() -> None:
    """The demo as `tongxin demo` builds it today: on top of the story, the live drill around now."""
    from tongxin.demo.builder import build_demo

    build_demo()


class Snapshots:
    """Named snapshots of one test session, each made once by its builder on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._taken: dict[str, Snapshot] = {}
        self._saved = itertools.count()

    def commit(self, name: str, build: Callable[[], None], media: Path) -> Snapshot:
        """Commit what `get(name, …)` leaves, after keeping what the database holds now: give that back
        with `put_back(kept, media)`. Call it (and `put_back`) outside any transaction."""
        kept = take(f"kept_{next(self._saved)}", media, self.root)
        self.get(name, build, media)
        return kept

    def put_back(self, kept: Snapshot, media: Path) -> None:
        """The database and the files exactly as they were before `commit` returned `kept`."""
        restore(kept, media)
        drop(kept)

    def get(self, name: str, build: Callable[[], None], media: Path, *, base: str | None = None,
            base_build: Callable[[], None] | None = None) -> None:
        """Leave the database as `build()` makes it: from empty tables, or on top of snapshot `base`."""
        if name in self._taken:
            restore(self._taken[name], media)
            return
        if base is not None and base_build is not None:
            self.get(base, base_build, media)
        else:
            _empty()
            shutil.rmtree(media, ignore_errors=True)
        build()
        self._taken[name] = take(name, media, self.root)
