"""The role split on PostgreSQL: the application's role may INSERT and SELECT audit records but not
UPDATE, DELETE or TRUNCATE them, with the grants `tongxin audit grants` gives (issue #12)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection

from tests.commands import tongxin as _tongxin
from tongxin.core import audit, audit_chain
from tongxin.core.models import AuditEvent

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")


def _admin_dsn(**overrides) -> str:
    s = connection.settings_dict
    parts = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "dbname": s["NAME"],
             "user": s["USER"], "password": s["PASSWORD"] or ""}
    parts.update(overrides)
    return " ".join(f"{k}={v}" for k, v in parts.items() if v != "")


@pytest.fixture
def app_role(transactional_db):
    """A role the application could connect as, made for the test and dropped after it."""
    name = f"tongxin_app_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN PASSWORD %s'.replace("%s", f"'{password}'"))
    try:
        yield name, password
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{name}"')
            admin.execute(f'DROP ROLE "{name}"')


def test_the_app_role_can_only_insert_and_read_audit_records(app_role, capsys):
    name, password = app_role
    event = audit.record(audit.Action.LOGIN_FAILED, actor_name="nobody")
    assert _tongxin("audit", "grants", "--app-role", name) == 0
    printed = capsys.readouterr().out
    assert 'REVOKE UPDATE, DELETE, TRUNCATE' in printed and name in printed
    assert _tongxin("audit", "grants", "--app-role", name, "--apply") == 0

    with psycopg.connect(_admin_dsn(user=name, password=password), autocommit=True) as app:
        assert app.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] >= 1
        for sql in ("UPDATE core_auditevent SET actor_name = 'x'", "DELETE FROM core_auditevent",
                    "TRUNCATE core_auditevent"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)
        # not even behind the triggers' back: it owns nothing, so it cannot disable them
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET tongxin.allow_audit_loss = 'on'; DELETE FROM core_auditevent")
        # what the application does write, it may: other tables in full, the trail by INSERT
        app.execute("INSERT INTO core_auditevent (at, action, actor_name, unit_name, object_type, object_id,"
                    " object_repr, changes, user_agent, region_code, prev_hash, hash)"
                    " VALUES (now(), 'login', 'app', '', '', '', '', '{}', '', '', '', '')")
        app.execute("UPDATE core_systemsetting SET key = key")
    assert AuditEvent.objects.filter(pk=event.pk, actor_name="nobody").exists()
    assert AuditEvent.objects.filter(actor_name="app").exists()
    assert not audit_chain.verify().ok  # a row the app wrote without chaining it is outside the chain


def test_grants_refuse_one_role_for_both(db, capsys):
    assert _tongxin("audit", "grants", "--app-role", connection.settings_dict["USER"]) == 1
    assert "must not be the owner" in capsys.readouterr().err
