"""An entry's source and campaign become generic references (kind + id) beside the old foreign keys."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0002_ledgerentry_ledger_open_deadline_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerentry",
            name="source",
            field=models.CharField(help_text="来源类别，见 ledger.sources", max_length=20, verbose_name="来源"),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="source_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="来源记录"),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="context_kind",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="所属工作类别"),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="context_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="所属工作"),
        ),
    ]
