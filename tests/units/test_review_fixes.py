"""Holes a second read found: each stays closed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tongxin.core.models import AuditEvent
from tongxin.units import scope, services
from tongxin.units.models import Kind, Unit


def test_a_manager_cannot_turn_their_home_into_a_bureau(world, api_for):
    from tongxin.accounts.services import create_user

    manager = create_user(None, username="manager", password="x" * 12, check_password=False)
    services.grant_role(None, manager, world.nanxian_home, "manager")
    response = api_for(manager).patch(f"/api/units/{world.nanxian_home.pk}/", {"kind": "bureau"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    assert Unit.objects.get(pk=world.nanxian_home.pk).kind == Kind.ELDERLY_CARE
    scope.forget(manager)
    assert not scope.scope_of(manager).covers(world.nanxian_home_2)


def test_a_role_that_does_not_fit_its_unit_grants_nothing(world):
    Unit.objects.filter(pk=world.nanxian_home.pk).update(kind=Kind.BUREAU, category="bureau")
    scope.forget(world.home_reporter)
    assert not scope.scope_of(world.home_reporter).covers(world.nanxian_home_2)


def test_a_stranger_county_cannot_rewrite_the_provinces_form(world):
    import datetime as dt

    from tongxin.regions.models import Region
    from tongxin.reports import services as reports

    (version,) = reports.load_builtin_forms()
    reports.create_assignment(world.hunan, form=version.form, issuer=world.province,
                              region=Region.objects.get(code="430000"), name="日报", deadline=dt.time(10),
                              start_date=dt.date(2021, 7, 26), end_date=dt.date(2021, 8, 9))
    definition = {"fields": [{"key": "a", "label": "甲", "type": "int"}]}
    with pytest.raises(PermissionDenied):
        reports.define_form(world.cili, code=version.form.code, name="被改了", definition=definition)
    assert version.form.latest_version().number == 1
    assert reports.define_form(world.hunan, code=version.form.code, name="养老机构疫情防控日报",
                               definition=definition).number == 2


def test_huge_ids_are_a_400_not_a_500(world, client_for, api_for):
    big = "99999999999999999999"
    assert client_for(world.nanxian).get(f"/ledger/?unit={big}").status_code in (200, 400)
    assert api_for(world.nanxian).get(f"/api/ledger/?unit={big}").status_code in (200, 400)
    assert api_for(world.nanxian).get(f"/api/reports/?unit={big}").status_code in (200, 400)


def test_the_last_date_in_the_audit_filter_is_a_message(world, client_for):
    c = client_for(world.auditor)
    assert c.get("/audit/", {"date_to": "9999-12-31"}).status_code == 200
    assert c.get("/audit/export.csv", {"date_to": "9999-12-31"}).status_code == 200


def test_inspection_answers_and_findings_are_audited(world, settings, tmp_path):
    import datetime as dt

    from tongxin.inspections import services as inspections

    settings.MEDIA_ROOT = tmp_path
    five, _general = inspections.load_builtin_checklists()
    team = inspections.create_team(world.nanxian, name="组", bureau=world.nanxian_bureau,
                                   start_date=dt.date(2021, 8, 1), end_date=dt.date(2021, 8, 1))
    inspection = inspections.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, team=team,
                                              kind="supervision", day=dt.date(2021, 8, 1))
    inspections.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="fail")
    inspections.edit_finding(world.nanxian, inspection.findings.get(), severity="major")
    types = set(AuditEvent.objects.filter(actor_name="nanxian").values_list("object_type", flat=True))
    assert {"inspections.answer", "inspections.finding"} <= types
    with pytest.raises(ValidationError):
        inspections.edit_finding(world.nanxian, inspection.findings.get(), severity="galactic")
