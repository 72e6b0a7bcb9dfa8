"""Units get their names' pinyin keys (core.pinyin.search_keys), filled in for every existing unit."""

from django.db import migrations, models

from tongxin.core.pinyin import search_keys


def backfill(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    batch = []
    for unit in Unit.objects.order_by("pk").only("pk", "name").iterator(chunk_size=2000):
        unit.pinyin, unit.initials = search_keys(unit.name)
        batch.append(unit)
        if len(batch) >= 2000:
            Unit.objects.bulk_update(batch, ["pinyin", "initials"])
            batch = []
    if batch:
        Unit.objects.bulk_update(batch, ["pinyin", "initials"])


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0002_unit_period"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="initials",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=100,
                                   verbose_name="拼音首字母"),
        ),
        migrations.AddField(
            model_name="unit",
            name="pinyin",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=400, verbose_name="拼音"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
