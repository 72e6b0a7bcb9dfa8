"""Inspections: answers item by item, failed items become findings, findings become ledger entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.inspections.conftest import DAY, answer_all
from tongxin.inspections import queries, services
from tongxin.inspections.definition import DefinitionError, validate_definition
from tongxin.inspections.models import Finding, Inspection
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.regions.models import Region


def supervise(world, checklists, team, unit=None, actor=None):
    five, _general = checklists
    return services.start_inspection(actor or world.nanxian, unit=unit or world.nanxian_home, version=five,
                                     kind=Inspection.Kind.SUPERVISION, team=team, day=DAY)


def test_builtin_checklists_hold_the_five_strictest_requirements(checklists):
    five, general = checklists
    assert [s["title"] for s in five.definition["sections"]] == [
        "最严格的责任落实", "最严格的管控措施", "最严格的日常防控", "最严格的防范准备", "最严格的情况报送"]
    keys = {i["key"] for i in five.items()}
    assert {"closed_management", "visitor_register", "staff_health_twice_daily", "cold_chain_disinfected",
            "isolation_room_ready", "protective_supply_days", "emergency_plan_drilled",
            "vaccination_mobilised"} <= keys
    assert {i["category"] for i in general.items()} == {"fire", "electrical", "gas", "food", "building"}


def test_each_failed_item_becomes_a_ledger_entry(world, checklists, team, photo):
    inspection = supervise(world, checklists, team)
    answer_all(world.nanxian, inspection, fail={"visitor_register", "protective_supply_days"},
               photo_for=photo)
    entries = services.finish_inspection(world.nanxian, inspection, summary="总体良好")
    assert len(entries) == 2
    by_text = {e.description.split("：")[0]: e for e in entries}
    supplies = next(e for e in entries if "防护物资" in e.description)
    assert supplies.severity == "major" and supplies.deadline == DAY + dt.timedelta(days=7)
    assert all(e.source == "supervision" and e.status == Status.OPEN and e.source_id == inspection.pk for e in entries)
    assert by_text and all(e.responsible_person == world.nanxian_home.contact_person for e in entries)
    register = next(e for e in entries if "出入登记" in e.description)
    assert register.attachments.count() == 1  # the photo taken when it failed goes with it


def test_a_failed_item_that_needs_a_photo_refuses_without_one(world, checklists, team):
    inspection = supervise(world, checklists, team)
    with pytest.raises(ValidationError) as exc:
        services.answer(world.nanxian, inspection, item_key="closed_management", result="fail")
    assert "closed_management" in exc.value.message_dict
    assert not Finding.objects.exists()


def test_answering_pass_after_fail_removes_the_finding(world, checklists, team):
    inspection = supervise(world, checklists, team)
    services.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="fail")
    assert inspection.findings.count() == 1
    services.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="pass")
    assert inspection.findings.count() == 0


def test_the_inspector_merges_and_drops_duplicates_before_finishing(world, checklists, team, photo):
    inspection = supervise(world, checklists, team)
    answer_all(world.nanxian, inspection, fail={"leader_in_charge", "emergency_plan_drilled",
                                                "vaccination_mobilised"}, photo_for=photo)
    leader, plan, vaccination = inspection.findings.order_by("id")
    services.merge_findings(world.nanxian, leader, [plan])
    services.edit_finding(world.nanxian, vaccination, dropped=True)
    entries = services.finish_inspection(world.nanxian, inspection)
    assert len(entries) == 1
    assert "应急预案" in entries[0].description and "第一责任人" in entries[0].description


def test_fixed_on_the_spot_goes_on_the_ledger_closed(world, checklists, team, photo):
    inspection = supervise(world, checklists, team)
    answer_all(world.nanxian, inspection, fail={"vaccination_mobilised"}, photo_for=photo)
    finding = inspection.findings.get()
    services.edit_finding(world.nanxian, finding, fixed_on_spot=True, attachments=[photo()])
    (entry,) = services.finish_inspection(world.nanxian, inspection)
    assert entry.status == Status.CLOSED and entry.fixed_on_spot


def test_editing_a_finding_changes_only_what_is_given(world, checklists, team, photo):
    inspection = supervise(world, checklists, team)
    answer_all(world.nanxian, inspection, fail={"vaccination_mobilised"}, photo_for=photo)
    finding = inspection.findings.get()
    services.edit_finding(world.nanxian, finding, description="疫苗接种未动员", deadline=DAY + dt.timedelta(days=2))
    services.edit_finding(world.nanxian, finding, severity="serious")
    finding.refresh_from_db()
    assert (finding.description, finding.severity, finding.deadline) == (
        "疫苗接种未动员", "serious", DAY + dt.timedelta(days=2))
    services.edit_finding(world.nanxian, finding, deadline=None)  # back to the deadline by severity
    (entry,) = services.finish_inspection(world.nanxian, inspection)
    assert entry.description == "疫苗接种未动员" and entry.deadline == DAY + dt.timedelta(days=3)


def test_every_item_must_be_answered_before_finishing(world, checklists, team):
    inspection = supervise(world, checklists, team)
    services.answer(world.nanxian, inspection, item_key="leader_in_charge", result="pass")
    with pytest.raises(ValidationError) as exc:
        services.finish_inspection(world.nanxian, inspection)
    assert "answers" in exc.value.message_dict
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DRAFT and not LedgerEntry.objects.exists()


def test_a_finished_inspection_cannot_change(world, checklists, team, photo):
    inspection = supervise(world, checklists, team)
    answer_all(world.nanxian, inspection, photo_for=photo)
    services.finish_inspection(world.nanxian, inspection)
    with pytest.raises(ValidationError):
        services.answer(world.nanxian, inspection, item_key="leader_in_charge", result="fail")


def test_a_team_cannot_inspect_outside_its_area(world, checklists, team):
    with pytest.raises(Http404):
        supervise(world, checklists, team, unit=world.cili_home)
    # The province officer sees 慈利, but 南县's team still may not inspect there.
    from tongxin.units.services import grant_role

    grant_role(None, world.hunan, world.nanxian_bureau, "officer")
    team.members.add(world.hunan)
    with pytest.raises(ValidationError) as exc:
        supervise(world, checklists, team, unit=world.cili_home, actor=world.hunan)
    assert "unit" in exc.value.message_dict


def test_only_team_members_inspect_for_the_team(world, checklists, team, second_officer):
    with pytest.raises(PermissionDenied):
        supervise(world, checklists, team, actor=second_officer)


def test_a_self_inspection_is_filled_by_the_unit(world, checklists, photo):
    five, _general = checklists
    inspection = services.start_inspection(world.home_reporter, unit=world.nanxian_home, version=five,
                                           kind=Inspection.Kind.SELF, day=DAY)
    answer_all(world.home_reporter, inspection, fail={"vaccination_mobilised"},
               photo_for=lambda: photo(world.home_reporter))
    (entry,) = services.finish_inspection(world.home_reporter, inspection)
    assert entry.source == "self_inspection"
    with pytest.raises(PermissionDenied):
        services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, kind=Inspection.Kind.SELF)


@pytest.mark.parametrize("definition", [
    None, {"sections": []}, {"sections": [{"title": "x", "items": []}]},
    {"sections": [{"title": "x", "items": [{"key": "a", "text": "t", "type": "video"}]}]},
    {"sections": [{"title": "x", "items": [{"key": "a", "text": "t", "type": "check", "severity": "huge"}]}]},
    {"sections": [{"title": "x", "items": [{"key": "a", "text": "t", "type": "check", "min": 3}]}]},
    {"sections": [{"title": "x", "items": [{"key": "a", "text": "t", "type": "check"},
                                           {"key": "a", "text": "u", "type": "check"}]}]},
])
def test_malformed_checklists_are_refused(definition):
    with pytest.raises(DefinitionError):
        validate_definition(definition)


def test_campaign_progress_by_region(world, checklists, team, photo):
    five, general = checklists
    campaign = services.create_campaign(
        world.hunan, name="养老机构拉网式隐患大排查", issuer=world.province, region=Region.objects.get(code="430000"),
        templates=[five.template, general.template], start_date=DAY, end_date=DAY + dt.timedelta(days=30),
        self_inspection_deadline=DAY + dt.timedelta(days=7), supervision_target=100)
    inspection = services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five,
                                           kind=Inspection.Kind.SUPERVISION, team=team, day=DAY, campaign=campaign)
    answer_all(world.nanxian, inspection, fail={"vaccination_mobilised"}, photo_for=photo)
    services.finish_inspection(world.nanxian, inspection)
    total, rows = queries.progress(campaign, Region.objects.get(code="430000"), today=DAY + dt.timedelta(days=30))
    assert (total.units, total.supervised, total.target, total.found, total.open, total.overdue) == (3, 1, 3, 1, 1, 1)
    yiyang = next(r for r in rows if r.region.code == "430900")
    assert (yiyang.units, yiyang.supervised, yiyang.target) == (2, 1, 2)
    assert sum(r.found for r in rows) == total.found
