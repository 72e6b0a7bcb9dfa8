"""The audit trail becomes a hash chain (core.audit_chain): every record gets a sequence number, the
previous record's hash and its own, existing records in the order they were written (by id). The
triggers are re-created to refuse TRUNCATE too (PostgreSQL, firing ALWAYS) and DELETE on SQLite
(core.audit_guard).
"""

from django.db import migrations, models

from tongxin.core import audit_chain, audit_guard

BATCH = 2000


def drop_triggers(apps, schema_editor):
    audit_guard.drop_triggers(schema_editor.connection)


def install_triggers(apps, schema_editor):
    audit_guard.install_triggers(schema_editor.connection)


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    db = schema_editor.connection.alias
    seq, prev, last_id = 0, audit_chain.GENESIS, 0
    fields = [f for f in audit_chain.HASHED_FIELDS if f != "seq"]
    while True:
        rows = list(AuditEvent.objects.using(db).filter(id__gt=last_id).order_by("id").values("id", *fields)[:BATCH])
        if not rows:
            return
        updates = []
        for row in rows:
            seq += 1
            row["seq"] = seq
            digest = audit_chain.record_hash(row, prev)
            updates.append((seq, prev, digest, row["id"]))
            prev, last_id = digest, row["id"]
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany("UPDATE core_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", updates)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0013_audit_action_lockout'),
    ]

    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='前一记录哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True, verbose_name='序号'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('create', '创建'), ('update', '修改'), ('delete', '删除'), ('login', '登录'), ('logout', '退出'), ('login_failed', '登录失败'), ('import', '导入'), ('export', '导出'), ('remind', '催报'), ('rejected', '拒收文件'), ('view', '查阅'), ('lockout', '登录锁定'), ('purge', '清理')], db_index=True, max_length=20, verbose_name='操作'),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
