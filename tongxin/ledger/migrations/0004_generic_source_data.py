"""Copy the old foreign keys into the generic references: an entry raised by an inspection gets
`source_id` = the inspection's id (its `source` kind, self-inspection or supervision, already says
what the id is), and an entry of a campaign gets `context_kind` "campaign" and the campaign's id.
Two set-based UPDATEs, the same on SQLite and PostgreSQL; reversible."""

from django.db import migrations
from django.db.models import F

CAMPAIGN = "campaign"
INSPECTION_KINDS = ("self_inspection", "supervision")


def forwards(apps, schema_editor):
    entry = apps.get_model("ledger", "LedgerEntry")
    entry.objects.filter(inspection__isnull=False).update(source_id=F("inspection_id"))
    entry.objects.filter(campaign__isnull=False).update(context_kind=CAMPAIGN, context_id=F("campaign_id"))


def backwards(apps, schema_editor):
    entry = apps.get_model("ledger", "LedgerEntry")
    entry.objects.filter(source__in=INSPECTION_KINDS, source_id__isnull=False).update(
        inspection_id=F("source_id"))
    entry.objects.filter(context_kind=CAMPAIGN, context_id__isnull=False).update(campaign_id=F("context_id"))


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0003_generic_source"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
