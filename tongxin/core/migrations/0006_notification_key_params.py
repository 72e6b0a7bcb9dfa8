"""Notifications become a message key plus parameters, rendered in the reader's language.

The old `kind` column becomes `key`; the one kind in use, the 催报 reminder ("reminder"), maps to
its registered key. Old rows keep their stored title and body, which are shown whenever their
key's template cannot be filled (they have no parameters).
"""

from django.db import migrations, models

OLD_KINDS = {"reminder": "reports.reminder"}


def keys_from_kinds(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    for old, new in OLD_KINDS.items():
        Notification.objects.filter(key=old).update(key=new)


def kinds_from_keys(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    for old, new in OLD_KINDS.items():
        Notification.objects.filter(key=new).update(key=old)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_attachment"),
    ]

    operations = [
        migrations.RenameField(model_name="notification", old_name="kind", new_name="key"),
        migrations.AlterField(
            model_name="notification", name="key",
            field=models.CharField(blank=True, max_length=100, verbose_name="消息类型"),
        ),
        migrations.AddField(
            model_name="notification", name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="参数"),
        ),
        migrations.AlterField(
            model_name="notification", name="title",
            field=models.CharField(blank=True, max_length=200, verbose_name="标题"),
        ),
        migrations.RunPython(keys_from_kinds, kinds_from_keys),
    ]
