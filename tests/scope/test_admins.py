"""The three separated administrators run the system, not the response (DESIGN.md §4).

The system administrator keeps the unit registry (reference data); the security administrator
finds units to grant roles at; the auditor reads the audit trail of their own bureau's subtree.
None of them reads a report, a ledger entry, an inspection, an evidence file or personal data,
or changes a form, a checklist or an assignment.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tongxin.accounts.services import create_user
from tongxin.core.models import AuditEvent
from tongxin.units import services as units
from tongxin.units.models import Role

ADMINS = ["sysadmin", "secadmin", "auditor"]
WEB = [("reports:detail", "report"), ("reports:assignment-detail", "assignment"), ("ledger:detail", "entry"),
       ("files:file", "attachment"), ("inspections:detail", "inspection"),
       ("inspections:campaign-detail", "campaign")]
API = [("report-detail", "report"), ("report-revisions", "report"), ("ledger-entry-detail", "entry"),
       ("attachment-file", "attachment"), ("inspection-detail", "inspection"), ("campaign-detail", "campaign"),
       ("team-detail", "team")]


@pytest.mark.parametrize("admin", ADMINS)
@pytest.mark.parametrize(("name", "which"), WEB)
def test_administrators_read_no_business_data_on_the_web(world, nanxian_objects, client_for, admin, name, which):
    response = client_for(getattr(world, admin)).get(reverse(name, args=[nanxian_objects[which].pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("admin", ADMINS)
@pytest.mark.parametrize(("name", "which"), API)
def test_administrators_read_no_business_data_in_the_api(world, nanxian_objects, api_for, admin, name, which):
    response = api_for(getattr(world, admin)).get(reverse(name, args=[nanxian_objects[which].pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("admin", ADMINS)
@pytest.mark.parametrize("path", ["/api/reports/", "/api/ledger/", "/api/inspections/", "/api/campaigns/",
                                  "/api/assignments/", "/api/teams/"])
def test_administrators_list_no_business_data(world, nanxian_objects, api_for, admin, path):
    response = api_for(getattr(world, admin)).get(path)
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize("admin", ADMINS)
def test_administrators_see_no_missing_units_and_no_phone_numbers(world, nanxian_objects, api_for, admin):
    response = api_for(getattr(world, admin)).get(reverse("completeness-missing"), {
        "assignment": nanxian_objects["assignment"].pk, "region": "430921", "day": "2021-08-02"})
    assert response.status_code == 404


def test_the_system_administrator_cannot_version_the_live_daily_form(world, nanxian_objects):
    from tongxin.reports import services as reports

    form = nanxian_objects["form"]
    definition = form.latest_version().definition
    with pytest.raises(PermissionDenied):
        reports.define_form(world.sysadmin, code=form.code, name=form.name,
                            definition={**definition, "description": "changed"})
    assert form.versions.count() == 1


def test_the_system_administrator_cannot_define_a_checklist_or_issue_an_assignment(world, nanxian_objects,
                                                                                    client_for):
    from tongxin.inspections import services as inspections

    five = nanxian_objects["checklist"].latest_version()
    with pytest.raises(PermissionDenied):
        inspections.define_checklist(world.sysadmin, code=five.template.code, name=five.template.name,
                                     definition=five.definition)
    client = client_for(world.sysadmin)
    assert client.get(reverse("reports:form-create")).status_code == 403
    assert client.get(reverse("reports:assignment-create")).status_code == 403
    assert client.get(reverse("inspections:campaign-create")).status_code == 403


def test_the_system_administrator_keeps_the_unit_registry(world, api_for):
    client = api_for(world.sysadmin)
    names = {u["name"] for u in client.get("/api/units/?page_size=500").json()["results"]}
    assert {"南县福利院", "慈利县零阳镇敬老院", "湖南省民政厅"} <= names
    response = client.patch(reverse("unit-detail", args=[world.nanxian_home.pk]), {"beds": 130}, format="json")
    assert response.status_code == 200
    world.nanxian_home.refresh_from_db()
    assert world.nanxian_home.beds == 130


def test_the_security_administrator_reads_the_registry_but_does_not_change_it(world, api_for):
    client = api_for(world.secadmin)
    assert client.get(reverse("unit-detail", args=[world.nanxian_home.pk])).status_code == 200
    response = client.patch(reverse("unit-detail", args=[world.nanxian_home.pk]), {"beds": 1}, format="json")
    assert response.status_code == 403


# --- the audit trail, by the auditor's bureau --------------------------------------------------------

@pytest.fixture
def county_auditor(world):
    user = create_user(None, username="nanxian-auditor", password="Tongxin#2021", check_password=False)
    units.grant_role(world.secadmin, user, world.nanxian_bureau, Role.AUDITOR)
    return user


@pytest.fixture
def two_counties_changed(world):
    units.update_unit(world.nanxian, world.nanxian_home, beds=125)
    units.update_unit(world.cili, world.cili_home, beds=40)


def test_audit_events_carry_the_region_they_happened_in(world, two_counties_changed):
    assert AuditEvent.objects.filter(object_repr="南县福利院", action="update").get().region_code == "430921"
    assert AuditEvent.objects.filter(object_repr="慈利县零阳镇敬老院", action="update").get().region_code == "430821"


def test_a_county_auditor_sees_only_that_countys_events(world, county_auditor, two_counties_changed, client_for):
    client = client_for(county_auditor)
    events = client.get(reverse("audit:list"), {"q": "敬老院"}).context["events"]
    assert events and {e.region_code for e in events} == {"430921"}
    page = client.get(reverse("audit:list")).content.decode()
    assert "南县福利院" in page and "慈利县零阳镇敬老院" not in page
    export = b"".join(client.get(reverse("audit:export")).streaming_content).decode("utf-8-sig")
    assert "南县福利院" in export and "慈利县零阳镇敬老院" not in export


def test_the_province_auditor_sees_every_county_and_the_systems_own_events(world, two_counties_changed,
                                                                         client_for):
    page = client_for(world.auditor).get(reverse("audit:list"), {"q": "院"}).content.decode()
    assert "南县福利院" in page and "慈利县零阳镇敬老院" in page
    codes = set(AuditEvent.objects.restrict(world.auditor, "audit").values_list("region_code", flat=True))
    assert {"430921", "430821", ""} <= codes  # "" — the registry built by the system itself


def test_a_county_auditor_reads_no_business_data(world, county_auditor, nanxian_objects, client_for):
    assert client_for(county_auditor).get(
        reverse("reports:detail", args=[nanxian_objects["report"].pk])).status_code == 404


def test_an_officer_reads_no_audit_trail(world, client_for):
    assert client_for(world.nanxian).get(reverse("audit:list")).status_code == 403


@pytest.mark.parametrize("admin", ADMINS)
def test_the_administrators_navigation_offers_no_business_module(world, client_for, admin):
    keys = {item["key"] for item in client_for(getattr(world, admin)).get(reverse("home")).context["nav_items"]}
    assert not keys & {"today", "overview", "inspections", "ledger", "forms"}
    assert "units" in keys


def test_an_officers_navigation_offers_the_business_modules(world, client_for):
    keys = {item["key"] for item in client_for(world.nanxian).get(reverse("home")).context["nav_items"]}
    assert {"today", "overview", "inspections", "ledger", "forms", "units"} <= keys
