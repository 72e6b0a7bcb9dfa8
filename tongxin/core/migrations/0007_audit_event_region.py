"""Audit events carry the region they happened in, so an auditor reads only their bureau's subtree.

Existing events keep a blank region (the trail is append-only: nothing rewrites them), which the
province's auditors see. On SQLite, adding a NOT NULL column rebuilds the table and drops its
append-only trigger, so the trigger is created again afterwards (and again when the step is undone).
"""

from django.db import migrations, models


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update;")
        schema_editor.execute(
            "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_notification_key_params"),
    ]

    operations = [
        # Undoing: removing the column rebuilds the table again, so the trigger is restored after it.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_trigger),
        migrations.AddField(
            model_name="auditevent",
            name="region_code",
            field=models.CharField(blank=True, db_index=True, max_length=12, verbose_name="区划代码"),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
