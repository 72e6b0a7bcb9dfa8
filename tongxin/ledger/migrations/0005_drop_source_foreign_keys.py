"""The ledger no longer points at another app's tables: drop the campaign and inspection foreign
keys (their values now live in the generic references) and index the references instead."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0004_generic_source_data"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ledgerentry",
            name="ledger_campaign_idx",
        ),
        migrations.RemoveField(
            model_name="ledgerentry",
            name="campaign",
        ),
        migrations.RemoveField(
            model_name="ledgerentry",
            name="inspection",
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["context_kind", "context_id", "status"], name="ledger_context_idx"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["source", "source_id"], name="ledger_source_idx"),
        ),
    ]
