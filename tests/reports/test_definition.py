"""Form definitions: the malformed ones a form builder or an import could send are refused with words;
forms and checklists are versioned by the one core.versioning.define_version."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.reports.conftest import at, good_values
from tongxin.core.models import AuditEvent
from tongxin.inspections import services as inspections
from tongxin.inspections.models import ChecklistTemplate, Inspection
from tongxin.reports import services as reports
from tongxin.reports.definition import DefinitionError, validate_definition
from tongxin.reports.models import Form

BUILTIN = json.loads((Path(__file__).resolve().parents[2] / "tongxin/reports/data/elderly_daily.json")
                     .read_text(encoding="utf-8"))["definition"]


def broken(**changes):
    d = copy.deepcopy(BUILTIN)
    d.update(changes)
    return d


def test_the_builtin_definition_is_valid():
    assert validate_definition(copy.deepcopy(BUILTIN))


@pytest.mark.parametrize("definition", [
    None, [], {"fields": "x"}, broken(rules=5), broken(rules=[{"expr": 5, "message": "m"}]),
    broken(rules=[{"expr": "residents_in_care >", "message": "m"}]),
    broken(key_figures=["no_such_field"]), broken(key_figures=["notes"]),
    broken(figures=[{"key": "x", "label": "x", "kind": "ratio", "numerator": "gone", "denominator": "@count"}]),
    broken(figures=[{"key": "x", "label": "x", "kind": "streak", "fields": []}]),
    broken(figures=[{"key": "x", "label": "x", "kind": "average"}]),
    broken(fields=[{"key": "a", "label": "A", "type": "int", "min": float("nan")}]),
    broken(fields=[{"key": "a", "label": "A", "type": "int", "max": float("inf")}]),
])
def test_malformed_definitions_are_refused_with_a_message(definition):
    with pytest.raises(DefinitionError) as exc:
        validate_definition(definition)
    assert exc.value.errors and all(isinstance(e, str) and e for e in exc.value.errors)


# --- one versioning for forms and checklists (core.versioning.define_version) ---------------------

DAY = dt.date(2021, 8, 2)
CHECKLIST = {"sections": [{"title": "消防", "items": [
    {"key": "exits_clear", "type": "check", "text": "安全出口畅通", "severity": "major", "category": "fire"}]}]}


def with_field(definition: dict, key: str) -> dict:
    d = copy.deepcopy(definition)
    if "fields" in d:
        d["fields"].append({"key": key, "label": key, "type": "int", "min": 0})
    else:
        d["sections"][0]["items"].append({**d["sections"][0]["items"][0], "key": key})
    return d


DEFINE = {
    "form": (reports.define_form, Form, BUILTIN),
    "checklist": (inspections.define_checklist, ChecklistTemplate, CHECKLIST),
}


@pytest.fixture(params=sorted(DEFINE))
def kind(request):
    return DEFINE[request.param]


def test_versions_are_numbered_and_an_unchanged_definition_makes_none(world, kind):
    define, model, definition = kind
    first = define(world.hunan, code="shared", name="共用", definition=definition)
    assert first.number == 1 and first.created_by == world.hunan
    assert define(world.hunan, code="shared", name="共用", definition=copy.deepcopy(definition)).pk == first.pk
    second = define(world.hunan, code="shared", name="共用", definition=with_field(definition, "extra"))
    assert second.number == 2 and model.objects.get(code="shared").latest_version() == second
    assert [v.number for v in model.objects.get(code="shared").versions.order_by("number")] == [1, 2]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_repr__endswith=" v2").count() == 1


def test_a_refused_definition_changes_nothing(world, kind):
    define, model, definition = kind
    define(world.hunan, code="shared", name="共用", definition=definition)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as info:
        define(world.hunan, code="shared", name="共用", definition={"fields": "x", "sections": "x"})
    assert info.value.message_dict["definition"]
    with pytest.raises(ValidationError) as info:
        define(world.hunan, code="shared", name="  ", definition=with_field(definition, "extra"))
    assert "name" in info.value.message_dict
    assert model.objects.get(code="shared").versions.count() == 1 and AuditEvent.objects.count() == events


def test_a_stranger_may_not_version_a_definition_in_use(world, kind):
    define, model, definition = kind
    define(None, code="shared", name="共用", definition=definition)  # built in
    with pytest.raises(PermissionDenied):
        define(world.cili, code="shared", name="共用", definition=with_field(definition, "extra"))
    assert model.objects.get(code="shared").versions.count() == 1


def test_a_version_is_immutable(world, kind):
    define, _model, definition = kind
    version = define(world.hunan, code="shared", name="共用", definition=definition)
    version.definition = with_field(definition, "sneaky")
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_a_filed_report_keeps_the_version_it_was_filed_on(world, daily):
    v1 = daily.form.latest_version()
    filing = reports.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=DAY,
                                   values=good_values(), now=at(DAY, 9))
    v2 = reports.define_form(world.hunan, code=daily.form.code, name=daily.form.name,
                             definition=with_field(v1.definition, "extra"))
    assert v2.number == v1.number + 1
    filing.report.refresh_from_db()
    assert filing.report.form_version == v1 and "extra" not in {f["key"] for f in filing.report.form_version.fields}


def test_an_inspection_keeps_the_checklist_version_it_was_answered_on(world):
    five, _general = inspections.load_builtin_checklists()
    inspection = inspections.start_inspection(world.home_reporter, unit=world.nanxian_home, version=five,
                                              kind=Inspection.Kind.SELF)
    newer = inspections.define_checklist(None, code=five.template.code, name=five.template.name,
                                         definition=with_field(five.definition, "extra"))
    inspection.refresh_from_db()
    assert newer.number == five.number + 1 and inspection.version == five


def test_a_form_follows_its_new_name_and_a_checklist_keeps_its_first(world):
    reports.define_form(world.hunan, code="f", name="旧名", definition=BUILTIN)
    reports.define_form(world.hunan, code="f", name="新名", definition=BUILTIN)
    assert Form.objects.get(code="f").name == "新名" and Form.objects.get(code="f").versions.count() == 1
    inspections.define_checklist(world.hunan, code="c", name="旧名", definition=CHECKLIST)
    inspections.define_checklist(world.hunan, code="c", name="新名", definition=CHECKLIST)
    assert ChecklistTemplate.objects.get(code="c").name == "旧名"
