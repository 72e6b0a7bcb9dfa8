"""ID numbers at rest (core.pii): the table holds no clear number, lookups and uniqueness still
work, a wrong key fails loudly, the data migration converts both ways, `rekey-personal-data`
re-encrypts in one transaction, and the exports show only what the personal-data policy allows."""

from __future__ import annotations

import hashlib
import importlib
import io
import logging
from types import SimpleNamespace

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from tongxin.core import pii
from tongxin.core.models import AuditEvent
from tongxin.mobilization.models import Person
from tongxin.mobilization.services import people as services
from tongxin.settings import envkey

ID, MASKED_ID = "430821199001011235", "4308**********1235"
OTHER_ID = "43082119900101118X"
NEW_KEY = hashlib.sha512(b"the new key of a test").digest()


def _raw(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM mobilization_person WHERE id = %s", [person.pk])
        return cursor.fetchone()[0]


def _set_raw(person: Person, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mobilization_person SET id_number = %s WHERE id = %s", [value, person.pk])


@pytest.fixture
def volunteer(world):
    return services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英",
                             mobile="13907441234", id_number=ID)


def test_the_table_holds_no_clear_id_number(volunteer):
    stored = _raw(volunteer)
    assert stored and ID not in stored and ID[-6:] not in stored
    assert pii.decrypt(stored) == ID
    assert Person.objects.get(pk=volunteer.pk).id_number == ID
    assert Person.objects.filter(pk=volunteer.pk).values_list("id_number", flat=True).get() == ID


def test_lookups_by_number_and_uniqueness_work_on_the_encrypted_column(world, volunteer):
    assert Person.objects.get(id_number=ID) == volunteer
    assert list(Person.objects.filter(id_number__in=[ID, OTHER_ID])) == [volunteer]
    assert not Person.objects.filter(id_number=OTHER_ID).exists()
    assert Person.objects.exclude(id_number="").count() == 1
    with pytest.raises(Exception, match="已登记过"):
        services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英二",
                          mobile="13907441235", id_number=ID)
    # A substring search on ciphertext would silently find nothing: it is refused instead.
    with pytest.raises(FieldError):
        Person.objects.filter(id_number__startswith="4308").exists()


def test_an_empty_number_stays_empty(world):
    person = services.register(world.leshan_staff, world.leshan, kind="volunteer", name="李四",
                               mobile="13907441236")
    assert _raw(person) == "" and Person.objects.get(pk=person.pk).id_number == ""


def test_the_wrong_key_fails_loudly(volunteer):
    with override_settings(PII_KEY=NEW_KEY), pytest.raises(pii.PersonalDataKeyError, match="TONGXIN_PII_KEY"):
        Person.objects.get(pk=volunteer.pk)
    _set_raw(volunteer, _raw(volunteer)[:-4] + "AAA=")  # altered in the table
    with pytest.raises(pii.PersonalDataKeyError):
        Person.objects.get(pk=volunteer.pk)


def test_the_data_migration_converts_existing_rows_both_ways(volunteer):
    migration = importlib.import_module("tongxin.mobilization.migrations.0002_id_number_encrypted")
    editor = SimpleNamespace(connection=connection)
    _set_raw(volunteer, ID)  # a row as it was before the migration
    migration.encrypt_rows(apps, editor)
    assert _raw(volunteer) == pii.encrypt(ID) and Person.objects.get(pk=volunteer.pk).id_number == ID
    migration.decrypt_rows(apps, editor)
    assert _raw(volunteer) == ID


def test_rekey_re_encrypts_under_the_new_key(volunteer):
    before = _raw(volunteer)
    with override_settings(PII_KEY_OLD=pii.settings.PII_KEY, PII_KEY=NEW_KEY):
        call_command("rekey_personal_data", stdout=io.StringIO())
        assert Person.objects.get(id_number=ID) == volunteer
    assert _raw(volunteer) not in (before, ID)
    with pytest.raises(pii.PersonalDataKeyError):
        Person.objects.get(pk=volunteer.pk)  # the old key no longer opens it
    event = AuditEvent.objects.filter(actor_name="rekey-personal-data").get()
    assert ID not in str(event.changes)


def test_rekey_with_the_wrong_old_key_changes_nothing(world, volunteer):
    other = services.register(world.leshan_staff, world.leshan, kind="volunteer", name="李四",
                              mobile="13907441236", id_number=OTHER_ID)
    _set_raw(other, pii.encrypt(OTHER_ID, NEW_KEY))  # one row already under the new key
    before = _raw(volunteer)
    with override_settings(PII_KEY_OLD=pii.settings.PII_KEY, PII_KEY=NEW_KEY), \
            pytest.raises(CommandError, match="nothing was changed"):
        call_command("rekey_personal_data", stdout=io.StringIO())
    assert _raw(volunteer) == before
    with override_settings(PII_KEY_OLD=None), pytest.raises(CommandError, match="TONGXIN_PII_KEY_OLD"):
        call_command("rekey_personal_data")


def test_the_key_setting_is_checked(monkeypatch):
    monkeypatch.setenv("TONGXIN_X", "not base64!")
    with pytest.raises(ImproperlyConfigured, match="TONGXIN_X"):
        envkey("TONGXIN_X")
    monkeypatch.setenv("TONGXIN_X", "c2hvcnQ=")
    with pytest.raises(ImproperlyConfigured, match="bytes"):
        envkey("TONGXIN_X")
    monkeypatch.setenv("TONGXIN_X", "A" * 86 + "==")
    assert envkey("TONGXIN_X") == bytes(64)


def test_the_audit_trail_stores_no_clear_id_number(world, volunteer):
    services.update(world.leshan_staff, volunteer, id_number=OTHER_ID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM core_auditevent WHERE object_type = 'mobilization.person'")
        stored = " ".join(str(row[0]) for row in cursor.fetchall())
    assert ID not in stored and OTHER_ID not in stored
    assert MASKED_ID in stored and "4308**********118X" in stored  # the change itself is recorded


# Exports that carry ID numbers: the person list, and the audit trail's CSV.

def _workbook_text(response) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return " ".join(str(c) for r in wb.active.iter_rows(values_only=True) for c in r if c is not None)


def test_the_person_export_shows_the_id_number_as_the_policy_allows(world, volunteer, client_for):
    full = _workbook_text(client_for(world.leshan_staff).get(reverse("mobilization:person-export")))
    masked = _workbook_text(client_for(world.hunan).get(reverse("mobilization:person-export")))
    assert ID in full
    assert ID not in masked and MASKED_ID in masked


def test_the_audit_export_never_carries_a_clear_id_number(world, volunteer, client_for):
    response = client_for(world.auditor).get(reverse("audit:export"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "王秀英" in text and MASKED_ID in text
    assert ID not in text and pii.encrypt(ID) not in text


def test_the_sql_log_carries_no_clear_id_number(world, caplog, client_for):
    connection.force_debug_cursor = True  # what DEBUG does: every statement and its parameters logged
    try:
        with caplog.at_level(logging.DEBUG, logger="django.db.backends"):
            services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英",
                              mobile="13907441234", id_number=ID)
            assert Person.objects.filter(id_number=ID).exists()
            _workbook_text(client_for(world.leshan_staff).get(reverse("mobilization:person-export")))
    finally:
        connection.force_debug_cursor = False
    assert "mobilization_person" in caplog.text  # the log was on
    assert ID not in caplog.text and ID[:14] not in caplog.text
