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


# --- the trail in words (issue 8, item 7) ----------------------------------------------------------------

def _audit_rows(html: str) -> list[str]:
    import re

    body = html.split('id="audit-table"', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr")[2:]]


def test_the_log_names_people_objects_and_changes_in_words(world, client_for):
    services.update_unit(world.hunan, world.nanxian_home, beds=150, kind=Kind.CHILD_WELFARE, is_active=False,
                         region_id="430821")
    html = client_for(world.auditor).get(reverse("audit:list"), {"action": "update",
                                                                 "object_type": "units.unit"}).content.decode()
    row = _audit_rows(html)[0]
    assert "省厅值班员（hunan）" in row  # the actor by name and login, not an id
    assert "单位 南县福利院" in row  # the model's name and the object's
    assert "床位数 ： 120 → 150" in row  # field labels, not field names
    assert "单位类型 ： 养老机构 → 儿童福利机构" in row  # choice labels, not codes
    assert "运营中 ： 是 → 否" in row  # booleans in words
    assert "所在区划 ： 南县 → 慈利县" in row  # a related row by its name, not its id
    for code in ("elderly_care", "units.unit", "430921", "beds", "True"):
        assert code not in row


def test_the_log_shows_local_time(world, client_for):
    import datetime as dt

    from django.utils import timezone

    services.update_unit(world.nanxian, world.nanxian_home, beds=99)
    event = AuditEvent.objects.filter(action="update").latest("id")
    local = timezone.localtime(event.at, dt.timezone(dt.timedelta(hours=8)))
    html = client_for(world.auditor).get(reverse("audit:list"), {"action": "update"}).content.decode()
    assert local.strftime("%Y-%m-%d %H:%M:%S") in _audit_rows(html)[0]


def test_a_creation_lists_its_values_without_arrows(world, client_for):
    services.create_unit(world.nanxian, name="南县华阁镇敬老院", kind=Kind.ELDERLY_CARE, region_id="430921", beds=40)
    html = client_for(world.auditor).get(reverse("audit:list"), {"q": "华阁", "action": "create"}).content.decode()
    row = _audit_rows(html)[0]
    assert "床位数 ： 40" in row and "单位类型 ： 养老机构" in row and "→" not in row


def test_the_log_is_in_english_for_an_english_reader(world, client_for):
    services.update_unit(world.nanxian, world.nanxian_home, kind=Kind.CHILD_WELFARE, is_active=False)
    c = client_for(world.auditor)
    c.cookies["django_language"] = "en"
    html = c.get(reverse("audit:list"), {"action": "update", "object_type": "units.unit"}).content.decode()
    row = _audit_rows(html)[0]
    assert "Update" in row and "Unit 南县福利院" in row
    assert "Unit type : Elderly-care home → Child welfare institution" in row
    assert "Operating : Yes → No" in row
    assert "（" not in row and "：" not in row


def test_the_csv_export_uses_the_same_words(world, client_for):
    services.update_unit(world.nanxian, world.nanxian_home, beds=150, is_active=False)
    response = client_for(world.auditor).get(reverse("audit:export"), {"action": "update"})
    body = b"".join(response.streaming_content).decode("utf-8")
    line = body.splitlines()[1]
    assert "修改" in line and "南县民政局（nanxian）" in line and ",单位," in line
    assert "床位数: 120 → 150" in line and "运营中: 是 → 否" in line
    assert "units.unit" not in line and '"beds"' not in line


def test_a_page_of_fifty_events_takes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    for n in range(60):
        services.update_unit(world.nanxian, world.nanxian_home if n % 2 else world.nanxian_home_2, beds=n + 1,
                             supervisor_id=world.nanxian_bureau.pk if n % 3 else None)
    c = client_for(world.auditor)
    c.get(reverse("audit:list"))  # warm the session and the permission cache
    with django_assert_max_num_queries(15):
        response = c.get(reverse("audit:list"), {"action": "update"})
    assert len(_audit_rows(response.content.decode())) == 50


def test_kinds_registered_at_run_time_and_people_read_as_words(world):
    """A ledger entry's source kind has no choices (apps register kinds): the model words it."""
    from tongxin.core import audit

    event = AuditEvent(action="update", object_type="ledger.ledgerentry", object_id="5", object_repr="430921-2021-0005",
                       actor_id=world.nanxian.pk, actor_name="nanxian",
                       changes={"id": [5, 5], "source": ["other", "daily_report"], "status": ["open", "rectifying"],
                                "created_by": [None, world.home_reporter.pk], "fixed_on_spot": [False, True],
                                "closed_at": [None, "2021-08-03T01:30:00+00:00"]})
    (view,) = audit.describe([event])
    words = {c.label: (c.old, c.new) for c in view.changes}
    assert words == {"来源": ("其他", "日报"), "整改状态": ("挂账", "整改中"), "登记人": ("∅", "南县福利院填报员"),
                     "立查立改": ("否", "是"), "销号时间": ("∅", "2021-08-03 09:30")}
    assert view.actor == "南县民政局（nanxian）" and view.object_type == "台账条目"
