"""Backup and restore (issue #12): one archive of the database and the uploaded files, with a manifest.

The archive is a gzipped tar holding

- `manifest.json`: the format, the app version, the database engine, the applied migrations, per
  table its row count and a sha256 over its rows (`table_checksums`), and the sha256 and size of
  every other member;
- the database: on SQLite `database/db.sqlite3`, a copy made with SQLite's online backup API; on
  PostgreSQL `database/<table>.copy`, every table's rows in COPY text format, all read in one
  REPEATABLE READ transaction (one snapshot), so the tables agree with each other and with the
  manifest's checksums, which are computed in the same snapshot;
- `media/…`: every file under MEDIA_ROOT (the evidence files).

Restore checks everything before it changes anything: every member against the manifest, no member
missing or extra, the engine, and the migrations (the archive's must be exactly this code's). It
refuses a database that holds data, and one that holds audit records, unless told so. The data is
then loaded and checked again against the manifest's table checksums before it is kept: on SQLite
the archive's copy is checked first and then copied over the database with the backup API; on
PostgreSQL the load and the check are one transaction, rolled back on a mismatch.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.models import Model

FORMAT = "tongxin-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/db.sqlite3"
AUDIT_TABLE = "core_auditevent"
# Rows `migrate` writes itself into a new database: their presence is not "data" to protect.
MIGRATE_TABLES = frozenset({"django_content_type", "auth_permission"})
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the operator."""


# ---------------------------------------------------------------- what is in a database


def data_models() -> list[type[Model]]:
    """Every table the project's models own (many-to-many tables included), one model per table."""
    seen: dict[str, type[Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen[meta.db_table] = model
    return [seen[table] for table in sorted(seen)]


def _columns(model: type[Model]) -> list[str]:
    return [str(field.column) for field in model._meta.concrete_fields]


def _canonical(value: Any) -> Any:
    """A JSON-able form of one column's value that is the same however often it is read back."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b:" + bytes(value).hex()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID, dt.timedelta)):
        return str(value)
    return repr(value)


def table_checksums(connection: BaseDatabaseWrapper) -> dict[str, dict[str, Any]]:
    """Per table: its row count and a sha256 over its rows in primary-key order, read through
    `connection` (the same function makes the manifest and checks a restore)."""
    existing = set(connection.introspection.table_names())
    result: dict[str, dict[str, Any]] = {}
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in data_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            columns = ", ".join(q(column) for column in _columns(model))
            cursor.execute(f"SELECT {columns} FROM {q(table)} ORDER BY {q(str(model._meta.pk.column))}")
            digest, rows = hashlib.sha256(), 0
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False).encode())
                    digest.update(b"\n")
                rows += len(batch)
            result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


def applied_migrations(connection: BaseDatabaseWrapper) -> list[list[str]]:
    """The migrations applied to `connection`'s database (read directly: it may be a side connection)."""
    if "django_migrations" not in connection.introspection.table_names():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return sorted([app, name] for app, name in cursor.fetchall())


def code_migrations() -> list[list[str]]:
    """The migrations this code has (every one must be applied to the restored database)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted([app, name] for app, name in loader.disk_migrations)


def holds_data(connection: BaseDatabaseWrapper) -> tuple[bool, bool]:
    """(holds any row beyond what `migrate` writes, holds audit records)."""
    existing = set(connection.introspection.table_names())
    q = connection.ops.quote_name
    any_data = audit = False
    with connection.cursor() as cursor:
        for model in data_models():
            table = model._meta.db_table
            if table not in existing or table in MIGRATE_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {q(table)} LIMIT 1")
            if cursor.fetchone():
                any_data = True
                audit = audit or table == AUDIT_TABLE
    return any_data, audit


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tongxin")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


@contextmanager
def side_connection(connection: BaseDatabaseWrapper, **changes: Any) -> Iterator[BaseDatabaseWrapper]:
    """A second connection like `connection` (its own session, its own transactions), optionally
    to another database (`NAME=...`); closed on leaving."""
    connection = connections[connection.alias]  # the wrapper itself, not django.db.connection's proxy
    backend = type(connection)
    other = backend({**connection.settings_dict, **changes}, alias=f"{connection.alias}__backup")
    try:
        yield other
    finally:
        other.close()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- backup


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def backup(path: str | os.PathLike[str], using: str = "default") -> BackupResult:
    """Write the archive of database `using` and MEDIA_ROOT to `path` (see the module docstring)."""
    connection = connections[using]
    target = Path(path)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder; give the archive's file name, e.g. {target / 'tongxin.tar.gz'}")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="tongxin-backup-", dir=target.parent) as work:
        stage = Path(work)
        (stage / "database").mkdir()
        if connection.vendor == "sqlite":
            tables, migrations = _backup_sqlite(connection, stage / SQLITE_MEMBER)
        elif connection.vendor == "postgresql":
            tables, migrations = _backup_postgresql(connection, stage / "database")
        else:
            raise BackupError(f"backup knows SQLite and PostgreSQL, not {connection.vendor}")
        media_root = Path(settings.MEDIA_ROOT)
        media: list[tuple[Path, str]] = []
        if media_root.is_dir():
            for file in sorted(media_root.rglob("*")):
                if file.is_file() and not file.is_symlink():
                    media.append((file, "media/" + file.relative_to(media_root).as_posix()))
        members: dict[str, dict[str, Any]] = {}
        for file in sorted((stage / "database").iterdir()):
            members[f"database/{file.name}"] = {"sha256": _sha256_file(file), "size": file.stat().st_size}
        for file, name in media:
            members[name] = {"sha256": _sha256_file(file), "size": file.stat().st_size}
        manifest = {
            "format": FORMAT,
            "app_version": app_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": connection.vendor,
            "migrations": migrations,
            "tables": tables,
            "members": members,
        }
        partial = stage / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for file in sorted((stage / "database").iterdir()):
                tar.add(file, arcname=f"database/{file.name}", recursive=False)
            for file, name in media:
                tar.add(file, arcname=name, recursive=False)
        os.replace(partial, target)  # a half-written archive never carries the final name
    return BackupResult(target, manifest)


def _backup_sqlite(connection: BaseDatabaseWrapper, dest: Path) -> tuple[dict[str, Any], list[list[str]]]:
    if connection.in_atomic_block:
        raise BackupError("backup cannot run inside a transaction on SQLite (the backup API waits for it)")
    connection.ensure_connection()
    copy = sqlite3.connect(dest)
    try:
        connection.connection.backup(copy)  # one consistent snapshot, taken while others may write
    finally:
        copy.close()
    # The manifest describes the copy, read through a Django connection to it.
    with side_connection(connection, NAME=str(dest)) as snapshot:
        tables = table_checksums(snapshot)
        migrations = applied_migrations(snapshot)
    with sqlite3.connect(dest) as plain:  # no -wal/-shm beside the member: one self-contained file
        plain.execute("PRAGMA journal_mode=DELETE")
    plain.close()
    return tables, migrations


def _backup_postgresql(connection: BaseDatabaseWrapper, folder: Path) -> tuple[dict[str, Any], list[list[str]]]:
    """Every table COPYed out in one REPEATABLE READ transaction; the checksums in the same one."""
    q = connection.ops.quote_name

    def dump(conn: BaseDatabaseWrapper) -> tuple[dict[str, Any], list[list[str]]]:
        existing = set(conn.introspection.table_names())
        with conn.cursor() as cursor:
            for model in data_models():
                table = model._meta.db_table
                if table not in existing:
                    continue
                columns = ", ".join(q(column) for column in _columns(model))
                with open(folder / f"{table}.copy", "wb") as out:
                    with cursor.copy(f"COPY {q(table)} ({columns}) TO STDOUT") as copy:
                        for block in copy:
                            out.write(block)
        return table_checksums(conn), applied_migrations(conn)

    if connection.in_atomic_block:
        # Already in a transaction (a caller's, or a test's): that transaction is the snapshot.
        return dump(connection)
    with side_connection(connection) as conn:
        conn.ensure_connection()
        conn.set_autocommit(False)
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            return dump(conn)
        finally:
            conn.rollback()


# ---------------------------------------------------------------- restore


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    files: int


def read_archive(path: str | os.PathLike[str], into: Path) -> dict[str, Any]:
    """Unpack the archive into folder `into` and check it whole; return its manifest, or raise
    BackupError naming the first problem."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"there is no archive at {source}")
    try:
        with tarfile.open(source, "r:*") as tar:
            names = []
            for member in tar.getmembers():
                name = PurePosixPath(member.name)
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    raise BackupError(f"the archive holds an unexpected entry {member.name!r}")
                names.append(member.name)
            if len(names) != len(set(names)):
                raise BackupError("the archive holds a member twice")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"the archive cannot be read ({exc}); it is damaged or not a Tongxin backup") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"the archive has no {MANIFEST}; it is not a Tongxin backup") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"the archive's {MANIFEST} is damaged ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"the archive's {MANIFEST} is not of the format {FORMAT}")
    for key, kind in (("members", dict), ("tables", dict), ("migrations", list), ("engine", str)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"the archive's {MANIFEST} is damaged: '{key}' is missing or malformed")
    listed = set(manifest["members"])
    present = set(names) - {MANIFEST}
    if missing := sorted(listed - present):
        raise BackupError(f"the archive is missing {len(missing)} member(s) its manifest lists, e.g. {missing[0]}")
    if extra := sorted(present - listed):
        raise BackupError(f"the archive holds {len(extra)} member(s) its manifest does not list, e.g. {extra[0]}")
    for name, expected in sorted(manifest["members"].items()):
        if not isinstance(expected, dict) or _sha256_file(into / name) != expected.get("sha256"):
            raise BackupError(f"the archive's member {name} does not match its checksum in the manifest: damaged")
    return manifest


def restore(path: str | os.PathLike[str], using: str = "default", *, replace_data: bool = False,
            allow_audit_loss: bool = False) -> RestoreResult:
    """Bring back the database and the files of the archive at `path` (see the module docstring)."""
    connection = connections[using]
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tongxin-restore-", dir=media_root.parent) as work:
        stage = Path(work)
        manifest = read_archive(path, stage)
        if manifest["engine"] != connection.vendor:
            raise BackupError(f"the archive is of a {manifest['engine']} database; this one is {connection.vendor}. "
                              "Restore it into the same engine")
        if manifest["migrations"] != code_migrations():
            raise BackupError("the archive's migrations differ from this code's: restore it with the Tongxin "
                              f"version that wrote it ({manifest.get('app_version')}), then upgrade")
        if connection.vendor == "postgresql" and any(
                f"database/{table}.copy" not in manifest["members"] for table in manifest["tables"]):
            raise BackupError("the archive's manifest lists a table without its data member: damaged")
        _refuse_overwrite(connection, replace_data, allow_audit_loss)
        if connection.vendor == "sqlite":
            _restore_sqlite(connection, stage / SQLITE_MEMBER, manifest)
        elif connection.vendor == "postgresql":
            _restore_postgresql(connection, stage / "database", manifest)
        else:
            raise BackupError(f"restore knows SQLite and PostgreSQL, not {connection.vendor}")
        files = 0
        for name in sorted(manifest["members"]):
            if name.startswith("media/"):
                dest = media_root / PurePosixPath(name).relative_to("media")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(stage / name, dest)
                files += 1
    return RestoreResult(manifest, files)


def _refuse_overwrite(connection: BaseDatabaseWrapper, replace_data: bool, allow_audit_loss: bool) -> None:
    try:
        any_data, audit = holds_data(connection)
    except DatabaseError:  # no database to speak of yet
        return
    if audit and not allow_audit_loss:
        raise BackupError(
            f"refusing to restore into database '{connection.alias}': it holds audit records, which the restore "
            "would replace. Back it up first; to replace it anyway, run again with --replace-data --allow-audit-loss")
    if any_data and not replace_data:
        raise BackupError(
            f"refusing to restore into database '{connection.alias}': it holds data, which the restore would "
            "replace. Back it up first; to replace it anyway, run again with --replace-data")


def _compare(found: dict[str, Any], manifest: dict[str, Any]) -> None:
    expected = manifest["tables"]
    for table in sorted(set(found) | set(expected)):
        if found.get(table) != expected.get(table):
            raise BackupError(f"the archive's data for table {table} does not match its manifest "
                              f"(found {found.get(table)}, manifest says {expected.get(table)}): damaged")


def _restore_sqlite(connection: BaseDatabaseWrapper, member: Path, manifest: dict[str, Any]) -> None:
    if connection.in_atomic_block:
        raise BackupError("restore cannot run inside a transaction on SQLite")
    with side_connection(connection, NAME=str(member)) as snapshot:
        try:
            found = table_checksums(snapshot)
            migrations = applied_migrations(snapshot)
        except DatabaseError as exc:
            raise BackupError(f"the archive's database cannot be read ({exc}): damaged") from exc
    _compare(found, manifest)
    if migrations != manifest["migrations"]:
        raise BackupError("the archive's database records other migrations than its manifest: damaged")
    connection.ensure_connection()
    source = sqlite3.connect(member)
    try:
        source.backup(connection.connection)  # page by page, under SQLite's own locks: all or nothing
    finally:
        source.close()
    connection.close()  # cached schema and statements belong to the old database


def _restore_postgresql(connection: BaseDatabaseWrapper, folder: Path, manifest: dict[str, Any]) -> None:
    if applied_migrations(connection) != manifest["migrations"]:
        raise BackupError("this database's migrations differ from the archive's: restore into a database that "
                          "`tongxin migrate` has brought up to date with this code")
    models = [model for model in data_models() if model._meta.db_table in manifest["tables"]]
    unknown = set(manifest["tables"]) - {model._meta.db_table for model in models}
    if unknown:
        raise BackupError(f"the archive holds tables this code does not know: {', '.join(sorted(unknown))}")
    try:
        _load_postgresql(connection, folder, manifest, models)
    except DatabaseError as exc:
        raise BackupError(f"the archive's data could not be loaded ({exc}): damaged") from exc


def _load_postgresql(connection: BaseDatabaseWrapper, folder: Path, manifest: dict[str, Any],
                     models: list[type[Model]]) -> None:
    q = connection.ops.quote_name
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            # The audit chain's triggers (when installed) let this transaction empty the trail:
            # the check above made sure there was none, or that the operator allowed its loss.
            cursor.execute("SET LOCAL tongxin.allow_audit_loss = 'on'")
            tables = ", ".join(q(model._meta.db_table) for model in models)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            cursor.execute("SET LOCAL tongxin.allow_audit_loss = 'off'")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in models:
                table = model._meta.db_table
                columns = ", ".join(q(column) for column in _columns(model))
                with open(folder / f"{table}.copy", "rb") as source:
                    with cursor.copy(f"COPY {q(table)} ({columns}) FROM STDIN") as copy:
                        while block := source.read(CHUNK):
                            copy.write(block)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _compare(table_checksums(connection), manifest)  # a mismatch rolls the whole load back
