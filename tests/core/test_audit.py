"""The audit trail: every domain write and every sign-in event, append-only, for auditors only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.urls import reverse

from tongxin.core.models import AuditAppendOnlyError, AuditEvent
from tongxin.units import services
from tongxin.units.models import Kind


def test_creating_a_unit_is_audited_with_its_values(world):
    unit = services.create_unit(world.nanxian, name="南县华阁镇敬老院", kind=Kind.ELDERLY_CARE,
                                region_id="430921", beds=40)
    event = AuditEvent.objects.get(object_type="units.unit", object_id=str(unit.pk), action="create")
    assert event.actor_name == "nanxian"
    assert event.unit_id == unit.pk
    assert event.changes["beds"] == [None, 40]
    assert event.changes["name"] == [None, "南县华阁镇敬老院"]


def test_updating_a_unit_keeps_before_and_after(world):
    services.update_unit(world.nanxian, world.nanxian_home, beds=150, contact_person="王芳")
    event = AuditEvent.objects.filter(object_id=str(world.nanxian_home.pk), action="update").get()
    assert event.changes["beds"] == [120, 150]
    assert event.changes["contact_person"] == ["李敏", "王芳"]
    assert event.actor_id == world.nanxian.pk


def test_an_update_that_changes_nothing_records_nothing(world):
    services.update_unit(world.nanxian, world.nanxian_home, beds=120)
    assert not AuditEvent.objects.filter(object_id=str(world.nanxian_home.pk), action="update").exists()


def test_a_refused_write_leaves_no_audit_record(world):
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        services.update_unit(world.cili, world.nanxian_home, beds=1)
    assert AuditEvent.objects.count() == before


def test_granting_a_role_is_audited(world):
    services.grant_role(world.secadmin, world.leshan_staff, world.nanxian_home_2, "reporter")
    assert AuditEvent.objects.filter(object_type="units.membership", action="create",
                                     actor_name="secadmin").exists()


def test_login_logout_and_failed_login_are_audited(world, client):
    client.post(reverse("accounts:login"), {"username": "nanxian", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "nanxian", "password": "Tongxin#2021"})
    client.post(reverse("accounts:logout"))
    actions = list(AuditEvent.objects.filter(actor_name="nanxian").order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["login_failed", "login", "logout"]
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.actor_id is None and failed.ip == "127.0.0.1"


def test_api_token_sign_in_is_audited(world, client):
    ok = client.post("/api/auth/token/", {"username": "cili", "password": "Tongxin#2021"},
                     content_type="application/json")
    assert ok.status_code == 200
    bad = client.post("/api/auth/token/", {"username": "cili", "password": "nope"}, content_type="application/json")
    assert bad.status_code == 400
    assert AuditEvent.objects.filter(actor_name="cili", action="login").exists()
    assert AuditEvent.objects.filter(actor_name="cili", action="login_failed").exists()


def test_audit_records_cannot_be_changed_or_deleted_through_the_orm(world):
    event = AuditEvent.objects.first()
    event.actor_name = "someone else"
    with pytest.raises(AuditAppendOnlyError):
        event.save()
    with pytest.raises(AuditAppendOnlyError):
        event.delete()
    with pytest.raises(AuditAppendOnlyError):
        AuditEvent.objects.update(actor_name="x")
    with pytest.raises(AuditAppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_itself_refuses_to_rewrite_the_trail(world):
    event = AuditEvent.objects.first()
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = 'x' WHERE id = %s", [event.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).actor_name == event.actor_name


def test_only_auditors_can_read_the_trail(world, client_for):
    url = reverse("audit:list")
    assert client_for(world.auditor).get(url).status_code == 200
    for persona in (world.hunan, world.nanxian, world.sysadmin, world.secadmin):
        assert client_for(persona).get(url).status_code == 403
    assert client_for(world.nanxian).get(reverse("audit:export")).status_code == 403


def test_auditor_searches_the_trail(world, client_for):
    services.update_unit(world.nanxian, world.nanxian_home, beds=99)
    c = client_for(world.auditor)
    html = c.get(reverse("audit:list"), {"q": "南县福利院", "action": "update"}).content.decode()
    assert "南县福利院" in html
    html = c.get(reverse("audit:list"), {"q": "慈利县零阳镇敬老院", "action": "update"}).content.decode()
    assert "南县福利院" not in html


def test_auditor_exports_the_trail_as_csv(world, client_for):
    services.update_unit(world.nanxian, world.nanxian_home, beds=99)
    response = client_for(world.auditor).get(reverse("audit:export"), {"action": "update"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff")
    lines = [line for line in body.splitlines() if line.strip()]
    assert len(lines) == 2 and "南县福利院" in lines[1]
    assert AuditEvent.objects.filter(action="export", actor_name="auditor").exists()


def test_bad_audit_filters_get_a_message_not_a_500(world, client_for):
    response = client_for(world.auditor).get(reverse("audit:list"), {"date_from": "2021-13-45",
                                                                     "date_to": "x", "action": "nope"})
    assert response.status_code == 200
    assert "date_from" in response.content.decode() or "日期" in response.content.decode()
