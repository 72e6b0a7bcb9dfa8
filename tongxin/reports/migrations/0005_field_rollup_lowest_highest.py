"""Field roll-ups keep the lowest and highest value too, for the fields that aggregate by min or max.

The new columns of the rows already there are filled from the reports' latest values, counted in
the region each unit was in service in on the report's day (as `rollups.rebuild` does).
"""

from collections import defaultdict

from django.db import migrations, models


def _numeric(value):
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return Decimal(1 if value else 0)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _chain(code):
    return list(dict.fromkeys([code[:2] + "0000", code[:4] + "00", code]))


def fill_extremes(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    FieldRollup = apps.get_model("reports", "FieldRollup")
    UnitPeriod = apps.get_model("units", "UnitPeriod")
    if not FieldRollup.objects.exists():
        return
    periods = defaultdict(list)
    for unit_id, since, until, code in UnitPeriod.objects.values_list("unit_id", "valid_from", "valid_until",
                                                                     "region_code"):
        periods[unit_id].append((since, until, code))
    keys_of = {}
    cells = {}
    for report in Report.objects.select_related("unit", "form_version").iterator(chunk_size=2000):
        if report.form_version_id not in keys_of:
            keys_of[report.form_version_id] = [f["key"] for f in report.form_version.definition.get("fields", [])
                                               if f.get("type") in ("int", "decimal", "bool")]
        code = next((c for since, until, c in periods.get(report.unit_id, ())
                     if since <= report.day and (until is None or report.day < until)), report.unit.region_id)
        for key in keys_of[report.form_version_id]:
            value = _numeric(report.values.get(key))
            if value is None:
                continue
            for region in _chain(code):
                cell = (report.assignment_id, region, report.day, key)
                low, high = cells.get(cell, (value, value))
                cells[cell] = (min(low, value), max(high, value))
    for (assignment_id, region, day, key), (low, high) in cells.items():
        FieldRollup.objects.filter(assignment_id=assignment_id, region_code=region, day=day, key=key).update(
            lowest=low, highest=high)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0004_reminder"),
    ]

    operations = [
        migrations.AddField(
            model_name="fieldrollup",
            name="lowest",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=20, null=True),
        ),
        migrations.AddField(
            model_name="fieldrollup",
            name="highest",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=20, null=True),
        ),
        migrations.RunPython(fill_extremes, migrations.RunPython.noop),
    ]
