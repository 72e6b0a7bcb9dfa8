"""What keeps the audit trail from being erased: the database triggers, and the one check every
destructive command makes.

- `refuse_audit_loss(using, allow)`: raise `CommandError` when a command would erase the audit
  trail of a database that holds audit records, unless the operator said so (`--allow-audit-loss`)
  or the database is one of Django's throwaway test databases. `flush`, `migrate` (the core app
  backwards) and `restore` call it.
- `audit_loss_allowed(using)`: a transaction in which the triggers let DELETE and TRUNCATE of the
  audit table through (PostgreSQL: `SET LOCAL tongxin.allow_audit_loss = 'on'`, which ends with the
  transaction; SQLite: a flag on the connection that the triggers read through the function
  `tongxin_audit_loss_allowed()`). Only `flush` (after the check above) and `tongxin audit purge`
  (for records past the retention) open one. UPDATE is refused always.
- `install_triggers(connection)`: (re)create the triggers; run by the migrations and after every
  `migrate` (SQLite drops a table's triggers whenever Django rebuilds the table to alter it).

On PostgreSQL the triggers fire ALWAYS, so `session_replication_role = replica` does not bypass
them. The setting above can be set by any role, so the triggers stop mistakes, not an attacker: the
application's role must not hold UPDATE, DELETE or TRUNCATE on the table at all (`grants_sql`,
`tongxin audit grants`, docs/deploy.md), and the hash chain (`core.audit_chain`) finds what an
owner did behind the triggers' back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

TABLE = "core_auditevent"
SETTING = "tongxin.allow_audit_loss"
SQLITE_FUNCTION = "tongxin_audit_loss_allowed"

PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') AND coalesce(current_setting('{SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditevent_no_update ON {TABLE};
CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON {TABLE};
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();
ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER core_auditevent_no_update;
ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER core_auditevent_no_truncate;
"""
PG_DROP = f"""
DROP TRIGGER IF EXISTS core_auditevent_no_update ON {TABLE};
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (UPDATE refused)'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT {SQLITE_FUNCTION}()
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (DELETE refused)'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS core_auditevent_no_update", "DROP TRIGGER IF EXISTS core_auditevent_no_delete"]


def install_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the triggers on `connection`'s audit table, if it has one."""
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_TRIGGERS)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give each SQLite connection the function its triggers ask."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, "_tongxin_audit_loss", False) else 0,
        deterministic=False,
    )


def post_migrate_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """`post_migrate` receiver: the triggers are back after any migration (see the module docstring)."""
    try:
        install_triggers(connections[using])
    except DatabaseError:  # a database the app does not own (or not migrated): nothing to guard
        pass


@contextmanager
def audit_loss_allowed(using: str = "default") -> Iterator[None]:
    """One transaction in which DELETE and TRUNCATE of the audit table pass the triggers."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL {SETTING} = 'on'")
            yield
            with connection.cursor() as cursor:  # not left on for the rest of the transaction
                cursor.execute(f"SET LOCAL {SETTING} = 'off'")
            return
        previous = getattr(connection, "_tongxin_audit_loss", False)
        connection._tongxin_audit_loss = True  # type: ignore[attr-defined]
        try:
            yield
        finally:
            connection._tongxin_audit_loss = previous  # type: ignore[attr-defined]


def is_throwaway_test_database(connection: BaseDatabaseWrapper) -> bool:
    """True when `connection` is a database Django's test runner made: its "test_" prefix, the
    configured TEST NAME, or SQLite in memory. A production database must not be named "test_…"."""
    name = str(connection.settings_dict.get("NAME") or "")
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        return True
    return name.startswith(TEST_DATABASE_PREFIX) or (bool(test_name) and name == test_name)


def holds_audit_records(using: str) -> bool:
    from tongxin.core.models import AuditEvent

    try:
        with transaction.atomic(using=using):  # a failed query must not break the caller's transaction
            return AuditEvent.objects.using(using).exists()
    except DatabaseError:  # not migrated yet: there is no trail to lose
        return False


def refuse_audit_loss(using: str, allow: bool, *, what: str = "this command") -> None:
    """Raise CommandError if `what` would erase the audit trail of database `using` and was not
    allowed to (see the module docstring). Django's throwaway test databases are exempt."""
    if allow or is_throwaway_test_database(connections[using]) or not holds_audit_records(using):
        return
    raise CommandError(
        f"Refusing to run {what} on database '{using}': it holds audit records, and {what} would erase "
        "the audit trail. Back it up first; to erase it anyway, run again with --allow-audit-loss."
    )


def add_allow_audit_loss(parser: Any, help: str) -> None:
    """The `--allow-audit-loss` flag every destructive command takes (read as options["allow_audit_loss"])."""
    parser.add_argument("--allow-audit-loss", action="store_true", dest="allow_audit_loss", help=help)


def grants_sql(app_role: str, owner_role: str, database: str, schema: str = "public") -> list[str]:
    """The SQL of the role split: `owner_role` owns the tables and migrates; `app_role`, which the
    application connects as, reads and writes every table but may only INSERT and SELECT audit records."""
    from django.db import connection

    q = connection.ops.quote_name
    app, owner, db, sch = q(app_role), q(owner_role), q(database), q(schema)
    return [
        f"GRANT CONNECT ON DATABASE {db} TO {app}",
        f"GRANT USAGE ON SCHEMA {sch} TO {app}",
        f"REVOKE CREATE ON SCHEMA {sch} FROM {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {sch}.{TABLE} FROM {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]
