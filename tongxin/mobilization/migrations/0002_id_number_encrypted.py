"""ID numbers are stored encrypted (core.pii): widen the column, then encrypt the rows that are
there; backwards, decrypt them first and narrow the column again."""

from django.db import migrations

import tongxin.core.pii
from tongxin.core.pii import decrypt_column, encrypt_column


def encrypt_rows(apps, schema_editor):
    encrypt_column(schema_editor.connection, apps.get_model("mobilization", "Person"), "id_number")


def decrypt_rows(apps, schema_editor):
    decrypt_column(schema_editor.connection, apps.get_model("mobilization", "Person"), "id_number")


class Migration(migrations.Migration):

    dependencies = [
        ("mobilization", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=tongxin.core.pii.IdNumberField(blank=True, verbose_name="身份证号码"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
