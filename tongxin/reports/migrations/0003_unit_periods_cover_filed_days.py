"""A unit that filed a report for a day was in service that day.

units.0002 opened every unit's history on the local date it was created. Units registered after
the days they reported for (the demo's 2021 homes, a registry imported after the first filings)
would then owe nothing on those days; their first period is moved back to their first report's
day, so the days already on file read as they did before units had a history.
"""

from django.db import migrations
from django.db.models import Min


def cover_filed_days(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    UnitPeriod = apps.get_model("units", "UnitPeriod")
    first_days = dict(Report.objects.order_by().values("unit_id").annotate(first=Min("day"))
                      .values_list("unit_id", "first"))
    for unit_id, first in first_days.items():
        period = UnitPeriod.objects.filter(unit_id=unit_id).order_by("valid_from").first()
        if period is not None and first < period.valid_from:
            period.valid_from = first
            period.save(update_fields=["valid_from"])


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_alter_assignment_unit_kinds"),
        ("units", "0002_unit_period"),
    ]

    operations = [
        migrations.RunPython(cover_filed_days, migrations.RunPython.noop),
    ]
