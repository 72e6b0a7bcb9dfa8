"""`tongxin backup` and `tongxin restore` (issue #12): the demo makes the round trip on the test's
engine, every table comes back with its row count and checksum, the evidence files byte for byte;
a damaged archive, or a database that holds data, is refused and left as it was.

The demo's 2021 story is committed for this module (a backup reads committed data): the session's
snapshot of it (tests/snapshots.py, built by the builder on first use); the module gives the test
database back as it found it when it is done. The restores go into a
second, fresh database: an empty SQLite file, or on PostgreSQL a migrated copy of the test database
made before the build and emptied.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import override_settings

from tests import snapshots
from tests.pgcopy import copy_test_database
from tongxin.core import backup as bk
from tongxin.core.audit_guard import audit_loss_allowed

TARGET = "backup_target"
TIMINGS: dict[str, float] = {}


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _make_target(work: Path) -> dict:
    """The settings of a second, fresh database of the test's engine."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(work / "target.sqlite3")
        return settings_dict
    name = f"{connection.settings_dict['NAME']}_restore"
    connection.close()  # a template database must have no other session
    with bk.side_connection(connection, NAME="postgres") as admin:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            copy_test_database(cursor, name, connection.settings_dict["NAME"])
    settings_dict["NAME"] = name
    return settings_dict


def _drop_target(settings_dict: dict) -> None:
    if connection.vendor == "postgresql":
        with bk.side_connection(connection, NAME="postgres") as admin:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}"')


def _empty(conn) -> None:
    """Empty every table but the migration bookkeeping (a database fresh from `migrate`)."""
    q = conn.ops.quote_name
    tables = [t for t in conn.introspection.table_names() if t in {m._meta.db_table for m in bk.data_models()}
              and t not in bk.MIGRATE_TABLES]
    with audit_loss_allowed(conn.alias), conn.cursor() as cursor:  # the migration's first audit rows too
        cursor.execute(f"TRUNCATE {', '.join(q(t) for t in tables)} CASCADE")


@pytest.mark.django_db  # (also what makes pytest-django set up the test database for this module)
def test_table_checksums_change_with_any_row(world):
    from tongxin.accounts.models import User

    before = bk.table_checksums(connection)
    assert before["accounts_user"]["rows"] == User.objects.count() > 0
    User.objects.filter(pk=User.objects.order_by("pk").first().pk).update(first_name="改")
    after = bk.table_checksums(connection)
    assert after["accounts_user"]["rows"] == before["accounts_user"]["rows"]
    assert after["accounts_user"]["sha256"] != before["accounts_user"]["sha256"]
    assert {t: v for t, v in after.items() if t != "accounts_user"} == {
        t: v for t, v in before.items() if t != "accounts_user"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_snapshots):
    """The demo's 2021 story (the session's snapshot), committed in the test database, its archive,
    and a fresh target database."""
    work = Path(tempfile.mkdtemp(prefix="tongxin-backup-test-"))
    media_root = work / "media"
    media = override_settings(MEDIA_ROOT=str(media_root))
    media.enable()
    with django_db_blocker.unblock():
        target = _make_target(work)
        connections.settings[TARGET] = target
        if connection.vendor == "postgresql":
            _empty(connections[TARGET])
        kept = None
        try:
            start = time.monotonic()
            kept = demo_snapshots.commit("story", snapshots.story, media_root)
            TIMINGS["story"] = time.monotonic() - start
            start = time.monotonic()
            result = bk.backup(work / "demo.tar.gz")
            TIMINGS["backup"] = time.monotonic() - start
            yield {"work": work, "archive": result.path, "manifest": result.manifest,
                   "tables": bk.table_checksums(connection), "files": _files(media_root)}
        finally:
            connections[TARGET].close()
            del connections[TARGET]
            del connections.settings[TARGET]
            _drop_target(target)
            if kept is not None:
                demo_snapshots.put_back(kept, media_root)  # the test database, as it was
            media.disable()
            shutil.rmtree(work, ignore_errors=True)
            print(f"\nbackup timings on {connection.vendor}: " + ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items()))


@pytest.fixture
def unblocked(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def _target_state() -> dict:
    return bk.table_checksums(connections[TARGET])


def _damaged(demo, tmp_path: Path, damage) -> Path:
    unpacked = tmp_path / "unpacked"
    with tarfile.open(demo["archive"]) as tar:
        tar.extractall(unpacked, filter="data")
    damage(unpacked)
    out = tmp_path / "damaged.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(unpacked).as_posix())
    return out


def _flip_a_byte_in_the_database(root: Path) -> None:
    member = max((p for p in (root / "database").iterdir()), key=lambda p: p.stat().st_size)
    data = bytearray(member.read_bytes())
    data[len(data) // 2] ^= 0x01
    member.write_bytes(bytes(data))


def _flip_a_byte_in_an_evidence_file(root: Path) -> None:
    member = next(p for p in sorted((root / "media").rglob("*")) if p.is_file())
    data = bytearray(member.read_bytes())
    data[-1] ^= 0x01
    member.write_bytes(bytes(data))


def _remove_a_member(root: Path) -> None:
    next(p for p in sorted((root / "media").rglob("*")) if p.is_file()).unlink()


def _edit_the_manifest_counts(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["tables"]["core_auditevent"]["rows"] -= 1
    (root / "manifest.json").write_text(json.dumps(manifest))


def _edit_the_manifest_engine(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["engine"] = "oracle"
    (root / "manifest.json").write_text(json.dumps(manifest))


def _edit_the_manifest_migrations(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["migrations"].pop()
    (root / "manifest.json").write_text(json.dumps(manifest))


def _drop_the_manifest(root: Path) -> None:
    (root / "manifest.json").unlink()


@pytest.mark.parametrize("damage, message", [
    (_flip_a_byte_in_the_database, "does not match its checksum"),
    (_flip_a_byte_in_an_evidence_file, "does not match its checksum"),
    (_remove_a_member, "missing 1 member"),
    (_edit_the_manifest_counts, "table core_auditevent does not match its manifest"),
    (_edit_the_manifest_engine, "oracle"),
    (_edit_the_manifest_migrations, "migrations differ"),
    (_drop_the_manifest, "no manifest.json"),
])
def test_a_damaged_archive_is_refused_and_nothing_changes(demo, unblocked, tmp_path, damage, message):
    before = _target_state()
    files_before = _files(demo["work"] / "media")
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")), pytest.raises(CommandError, match=message) as refused:
        call_command("restore", str(_damaged(demo, tmp_path, damage)), database=TARGET, verbosity=0)
    assert "Nothing was changed" in str(refused.value)
    assert _target_state() == before
    assert not any((tmp_path / "media").rglob("*.*"))  # no evidence file written either
    assert _files(demo["work"] / "media") == files_before


def test_restore_refuses_a_database_that_holds_data_and_audit_records(demo, unblocked):
    before = bk.table_checksums(connection)
    assert before["core_auditevent"]["rows"] > 0
    with pytest.raises(CommandError, match="holds audit records"):
        call_command("restore", str(demo["archive"]), verbosity=0)
    with pytest.raises(CommandError, match="holds audit records.*--allow-audit-loss"):
        call_command("restore", str(demo["archive"]), replace_data=True, verbosity=0)
    assert bk.table_checksums(connection) == before


def test_the_demo_round_trips_into_a_fresh_database(demo, unblocked, tmp_path):
    manifest, source = demo["manifest"], demo["tables"]
    assert manifest["tables"] == source  # the manifest describes the database it was taken from
    assert source["core_auditevent"]["rows"] > 100 and source["core_attachment"]["rows"] > 0
    assert manifest["engine"] == connection.vendor and manifest["migrations"] == bk.code_migrations()
    assert len(demo["files"]) >= source["core_attachment"]["rows"]
    restored_media = tmp_path / "media"
    start = time.monotonic()
    with override_settings(MEDIA_ROOT=str(restored_media)):
        call_command("restore", str(demo["archive"]), database=TARGET, verbosity=0)
    TIMINGS["restore"] = time.monotonic() - start
    assert _target_state() == source  # every table: the same rows, the audit table's included
    assert _files(restored_media) == demo["files"]  # the evidence files, byte for byte
    if connection.vendor == "postgresql":  # the sequences go on after the restored rows
        with connections[TARGET].cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('core_auditevent', 'id'))")
            assert cursor.fetchone()[0] > source["core_auditevent"]["rows"]


def test_backup_command_names_what_it_wrote(demo, unblocked, tmp_path, capsys):
    call_command("backup", str(tmp_path / "again.tar.gz"))
    assert "again.tar.gz" in capsys.readouterr().out
    with tarfile.open(tmp_path / "again.tar.gz") as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json" and any(name.startswith("media/attachments/") for name in names)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "nowhere" / "x.tar.gz"))

