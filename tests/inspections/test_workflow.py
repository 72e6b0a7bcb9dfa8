"""Who may work on an inspection is the workflow's answer, asked alike by the service, the pages and the API:
the inspector and the team's members while it is a draft; nobody once it is finished."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from tests.inspections.conftest import DAY, answer_all
from tongxin.core.workflow import INITIAL
from tongxin.inspections import services
from tongxin.inspections.models import Answer, Inspection


@pytest.fixture
def inspection(world, checklists, team):
    five, _general = checklists
    return services.start_inspection(world.nanxian, unit=world.nanxian_home, version=five,
                                     kind=Inspection.Kind.SUPERVISION, team=team, day=DAY)


def names(actor, inspection):
    return [t.name for t in services.WORKFLOW.allowed_for(actor, inspection)]


def test_the_inspector_may_answer_review_and_finish_a_draft(world, inspection, client_for, api_for):
    assert names(world.nanxian, inspection) == ["answer", "review", "finish"]
    page = client_for(world.nanxian).get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert 'name="item_key"' in page
    detail = api_for(world.nanxian).get(reverse("inspection-detail", args=[inspection.pk])).json()
    assert detail["allowed_transitions"] == ["answer", "review", "finish"]


def test_an_officer_off_the_team_may_look_but_do_nothing(world, inspection, second_officer, client_for, api_for):
    assert names(second_officer, inspection) == []
    assert set(services.WORKFLOW.refusals(second_officer, inspection)) == {"answer", "review", "finish"}
    with pytest.raises(PermissionDenied):
        services.answer(second_officer, inspection, item_key="leader_in_charge", result="pass")
    web = client_for(second_officer)
    page = web.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert 'name="item_key"' not in page
    assert web.post(reverse("inspections:answer", args=[inspection.pk]),
                    {"item_key": "leader_in_charge", "result": "pass"}).status_code == 403
    api = api_for(second_officer)
    assert api.get(reverse("inspection-detail", args=[inspection.pk])).json()["allowed_transitions"] == []
    assert api.post(reverse("inspection-answers", args=[inspection.pk]),
                    {"item_key": "leader_in_charge", "result": "pass"}, format="json").status_code == 403
    assert not Answer.objects.exists()


def test_a_stranger_county_does_not_see_it(world, inspection):
    assert names(world.cili, inspection) == []
    with pytest.raises(Http404):
        services.finish_inspection(world.cili, inspection)


def test_nobody_may_change_a_finished_inspection(world, inspection, photo, api_for):
    answer_all(world.nanxian, inspection, photo_for=photo)
    services.finish_inspection(world.nanxian, inspection)
    inspection.refresh_from_db()
    assert names(world.nanxian, inspection) == []
    with pytest.raises(ValidationError) as exc:
        services.answer(world.nanxian, inspection, item_key="leader_in_charge", result="fail")
    assert exc.value.message_dict["status"] == ["检查已完成，不能再修改"]
    assert Answer.objects.get(item_key="leader_in_charge").result == "pass"
    detail = api_for(world.nanxian).get(reverse("inspection-detail", args=[inspection.pk])).json()
    assert detail["allowed_transitions"] == []


def test_starting_asks_the_same_guard(world, checklists, team):
    self_check = Inspection(unit=world.nanxian_home, kind=Inspection.Kind.SELF, status=INITIAL)
    assert names(world.home_reporter, self_check) == ["start"]
    assert names(world.nanxian, self_check) == []  # a self-inspection is the home's own
    supervision = Inspection(unit=world.nanxian_home, kind=Inspection.Kind.SUPERVISION, team=team, status=INITIAL)
    assert names(world.nanxian, supervision) == ["start"]
    assert names(world.hunan, supervision) == []  # not on the team


def test_inspect_the_verb_and_inspection_the_noun_translate_apart():
    with translation.override("en"):
        assert services.WORKFLOW.label("answer") == "Inspect"
        assert str(Inspection._meta.verbose_name) == "Inspection"
        assert services.WORKFLOW.state_label(Inspection.Status.FINISHED) == "Finished"
