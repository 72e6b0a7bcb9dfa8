"""The audit trail is a hash chain: `tongxin audit verify` passes on an untouched trail and names the
first record that was altered, removed, inserted or moved behind the application's back (issue #12)."""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from tests.commands import tongxin as _tongxin
from tongxin.core import audit, audit_chain, audit_guard
from tongxin.core.models import AuditEvent

PG = connection.vendor == "postgresql"


def _events(n: int = 5) -> list[AuditEvent]:
    return [audit.record(audit.Action.LOGIN_FAILED, actor_name=f"nobody-{i}") for i in range(n)]


@contextmanager
def behind_the_triggers():
    """Raw SQL as an owner could run it: the triggers off (inside the test's transaction)."""
    with connection.cursor() as cursor:
        if PG:
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            for statement in audit_guard.SQLITE_DROP:
                cursor.execute(statement)
        yield cursor
    audit_guard.install_triggers(connection)


def _broken_at(event: AuditEvent, capsys) -> str:
    verdict = audit_chain.verify()
    assert verdict.problem is not None
    assert (verdict.problem.id, verdict.problem.seq) == (event.pk, event.seq)
    assert _tongxin("audit", "verify") == 1
    err = capsys.readouterr().err
    assert f"id={event.pk} seq={event.seq}" in err
    return verdict.problem.reason


def test_every_record_is_chained_to_the_one_before(db):
    events = _events(3)
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    stored = AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("seq")
    assert [e.hash for e in stored] == [e.hash for e in events]  # the hash survives the round trip
    verdict = audit_chain.verify()
    assert verdict.ok and verdict.head_seq == events[-1].seq and verdict.head_hash == events[-1].hash


def test_verify_passes_on_an_untouched_trail(world, capsys):
    _events(3)
    assert _tongxin("audit", "verify") == 0
    assert "Audit chain verified" in capsys.readouterr().out


def test_an_altered_record_is_named(db, capsys):
    events = _events()
    with behind_the_triggers() as cursor:
        cursor.execute("UPDATE core_auditevent SET actor_name = %s WHERE id = %s", ["someone-else", events[2].pk])
    assert "altered" in _broken_at(events[2], capsys)


def test_a_removed_record_is_noticed_at_the_next(db, capsys):
    events = _events()
    with behind_the_triggers() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    assert "missing" in _broken_at(events[3], capsys)


def test_a_back_dated_insert_is_named(db, capsys):
    _events()
    with connection.cursor() as cursor:  # INSERT needs no trick: the triggers allow it
        cursor.execute(
            "INSERT INTO core_auditevent (at, action, actor_name, unit_name, object_type, object_id, object_repr,"
            " changes, user_agent, region_code, prev_hash, hash) VALUES (%s, 'login', 'ghost', '', '', '', '',"
            " '{}', '', '', '', '')", [dt.datetime(2021, 7, 20, tzinfo=dt.UTC)])
    forged = AuditEvent.objects.get(actor_name="ghost")
    assert "not in the chain" in _broken_at(forged, capsys)


def test_a_back_dated_insert_with_a_well_made_hash_is_named(db, capsys):
    _events()
    seq, prev = audit_chain.head("default")
    fields = {"seq": seq + 1, "at": dt.datetime(2021, 7, 20, tzinfo=dt.UTC), "action": "login", "actor_name": "ghost"}
    digest = audit_chain.record_hash(fields, prev)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (seq, at, action, actor_name, unit_name, object_type, object_id, object_repr,"
            " changes, user_agent, region_code, prev_hash, hash) VALUES (%s, %s, 'login', 'ghost', '', '', '', '',"
            " '{}', '', '', %s, %s)", [seq + 1, fields["at"], prev, digest])
    forged = AuditEvent.objects.get(actor_name="ghost")
    assert "back-dated" in _broken_at(forged, capsys)


def test_swapped_records_are_named(db, capsys):
    events = _events()
    a, b = events[1], events[2]
    with behind_the_triggers() as cursor:
        cursor.execute("UPDATE core_auditevent SET seq = -1 WHERE id = %s", [a.pk])
        cursor.execute("UPDATE core_auditevent SET seq = %s WHERE id = %s", [a.seq, b.pk])
        cursor.execute("UPDATE core_auditevent SET seq = %s WHERE id = %s", [b.seq, a.pk])
    moved = AuditEvent.objects.get(pk=b.pk)  # now in a's place
    verdict = audit_chain.verify()
    assert verdict.problem is not None and (verdict.problem.id, verdict.problem.seq) == (b.pk, a.seq)
    assert moved.seq == a.seq
    assert _tongxin("audit", "verify") == 1
    assert f"id={b.pk} seq={a.seq}" in capsys.readouterr().err


def test_the_changes_of_a_record_are_hashed(db, capsys):
    events = [audit.record(audit.Action.UPDATE, actor_name="x", changes={"amount": [1, 2.5], "名称": ["甲", "乙"]})
              for _ in range(2)]
    assert audit_chain.verify().ok  # JSON survives the round trip on both databases
    with behind_the_triggers() as cursor:
        cursor.execute("UPDATE core_auditevent SET changes = %s WHERE id = %s", ['{"amount": [1, 3]}', events[0].pk])
    assert "altered" in _broken_at(events[0], capsys)


def test_the_application_cannot_write_a_record_outside_the_chain(db):
    with pytest.raises(Exception, match="one by one"):
        AuditEvent.objects.bulk_create([AuditEvent(action="login")])


# --- the triggers ---------------------------------------------------------------------------------


def _refused(sql: str, *params) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_update_and_delete(db):
    event = _events(1)[0]
    _refused("UPDATE core_auditevent SET actor_name = 'x' WHERE id = %s", event.pk)
    _refused("DELETE FROM core_auditevent WHERE id = %s", event.pk)
    assert AuditEvent.objects.filter(pk=event.pk, actor_name="nobody-0").exists()


@pytest.mark.skipif(not PG, reason="TRUNCATE and replication roles are PostgreSQL's")
def test_postgresql_refuses_truncate_and_replica_mode(db):
    event = _events(1)[0]
    _refused("TRUNCATE core_auditevent")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_allowance_is_for_one_transaction_and_never_for_update(db):
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), audit_guard.audit_loss_allowed():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET actor_name = 'x' WHERE id = %s", [event.pk])
    _refused("DELETE FROM core_auditevent WHERE id = %s", event.pk)  # not left on after it
    with audit_guard.audit_loss_allowed(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


# --- concurrent writers ---------------------------------------------------------------------------------


@pytest.mark.skipif(not PG, reason="real concurrent connections: PostgreSQL (SQLite has one writer)")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_writers_do_not_fork_the_chain():
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit.record(audit.Action.LOGIN_FAILED, actor_name=f"racer-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == 40 and seqs == list(range(seqs[0], seqs[0] + 40))
    assert audit_chain.verify().ok
