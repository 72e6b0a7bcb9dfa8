"""`Model.objects.restrict(user, mode)` on every scoped model, and the one region resolver."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from tongxin.core.models import Attachment, AuditEvent, Notification
from tongxin.inspections.models import Campaign, Finding, Inspection, Team
from tongxin.ledger.models import LedgerEntry
from tongxin.reports.models import Assignment, Form, Report, Revision
from tongxin.units import scope
from tongxin.units.models import Membership, Unit

DECLARATIONS = ("scope_unit_path", "scope_unit_field", "scope_region_field", "scope_owner_field", "scope_shared",
                "scope_members_path")


def test_every_model_that_declares_a_scope_has_restrict_and_every_restrict_has_a_declaration():
    for model in apps.get_models():
        if not model.__module__.startswith("tongxin."):
            continue
        declared = any(hasattr(model, d) for d in DECLARATIONS)
        assert declared == hasattr(model._default_manager, "restrict"), model.__name__


def test_a_model_that_declares_no_scope_fails_loudly(world):
    with pytest.raises(ImproperlyConfigured):
        scope.restrict(Revision.objects.all(), world.nanxian)


@pytest.mark.parametrize("model", [Unit, Membership, Assignment, Report, Campaign, Team, Inspection, Finding,
                                   LedgerEntry, Attachment, Notification])
def test_a_stranger_county_restricts_to_nothing_of_nanxian(world, nanxian_objects, model):
    assert model.objects.exists()
    mine = set(model.objects.restrict(world.nanxian).values_list("pk", flat=True))
    theirs = set(model.objects.restrict(world.cili).values_list("pk", flat=True))
    assert mine and not mine & theirs


def test_the_province_sees_what_the_county_sees(world, nanxian_objects):
    for model in (Report, LedgerEntry, Inspection, Attachment, Assignment, Campaign):
        county = set(model.objects.restrict(world.nanxian).values_list("pk", flat=True))
        assert county <= set(model.objects.restrict(world.hunan).values_list("pk", flat=True)), model.__name__


def test_work_aimed_at_a_home_reaches_its_reporter_but_not_a_stranger(world, nanxian_objects):
    assert Assignment.objects.restrict(world.home_reporter).filter(pk=nanxian_objects["assignment"].pk).exists()
    assert not Assignment.objects.restrict(world.cili).exists()


def test_shared_configuration_is_read_by_the_signed_in_only(world, nanxian_objects):
    from django.contrib.auth.models import AnonymousUser

    assert Form.objects.restrict(world.cili).exists()
    assert not Form.objects.restrict(AnonymousUser()).exists()
    assert not Form.objects.restrict(world.cili, scope.FILE).exists()


def test_notifications_are_their_recipients_alone(world, nanxian_objects):
    mine = list(Notification.objects.restrict(world.nanxian))
    assert nanxian_objects["notification"] in mine
    assert {n.recipient_id for n in mine} == {world.nanxian.pk}
    assert not Notification.objects.restrict(world.hunan).filter(recipient=world.nanxian).exists()
    assert not Notification.objects.restrict(world.cili).exclude(recipient=world.cili).exists()


def test_the_audit_trail_is_read_in_the_audit_mode_only(world, nanxian_objects):
    assert AuditEvent.objects.restrict(world.auditor, scope.AUDIT).exists()
    assert not AuditEvent.objects.restrict(world.auditor).exists()
    assert not AuditEvent.objects.restrict(world.hunan, scope.AUDIT).exists()


# --- the region resolver, on every page and endpoint that takes ?region= ---------------------------

REGION_PAGES = [
    ("reports:overview", [], False), ("ledger:stats", [], False), ("inspections:campaign-detail", ["campaign"], False),
    ("inspections:campaign-export", ["campaign"], False), ("campaign-progress", ["campaign"], True),
    ("completeness-list", [], True), ("reports:export-regions", ["xlsx"], False),
]


def _get(world, nanxian_objects, client_for, api_for, name, args, api, region):
    client = api_for(world.hunan) if api else client_for(world.hunan)
    args = [nanxian_objects[a].pk if a in nanxian_objects else a for a in args]
    query = {"region": region, "assignment": nanxian_objects["assignment"].pk, "day": "2021-08-02"}
    return client.get(reverse(name, args=args), query)


@pytest.mark.parametrize(("name", "args", "api"), REGION_PAGES)
@pytest.mark.parametrize("bad", ["431", "abcdef", "4309211", "999999"])
def test_a_malformed_or_unknown_region_is_400_with_words(world, nanxian_objects, client_for, api_for,
                                                         name, args, api, bad):
    response = _get(world, nanxian_objects, client_for, api_for, name, args, api, bad)
    assert response.status_code == 400
    if api:
        assert "region" in response.json()
    else:
        assert "区划代码" in response.content.decode()


@pytest.mark.parametrize(("name", "args", "api"), REGION_PAGES)
def test_a_region_outside_the_scope_is_404(world, nanxian_objects, client_for, api_for, name, args, api):
    client = api_for(world.nanxian) if api else client_for(world.nanxian)
    args = [nanxian_objects[a].pk if a in nanxian_objects else a for a in args]
    query = {"region": "430821", "assignment": nanxian_objects["assignment"].pk, "day": "2021-08-02"}
    assert client.get(reverse(name, args=args), query).status_code == 404


@pytest.mark.parametrize("model", [Unit, Membership, Assignment, Report, Campaign, Team, Inspection, Finding,
                                   LedgerEntry])
def test_sees_answers_as_restrict_for_every_object_persona_and_mode(world, nanxian_objects, model):
    """`scope.sees`, the query-free check of one loaded object (the API filing path), keeps exactly
    what `restrict` keeps — bureaus, units, reach from above and below, the administrators, nobody."""
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser

    from tongxin.regions.models import Region
    from tongxin.reports import services as reports

    for issuer, region in ((world.province, "430000"), (world.cili_bureau, "430821"), (world.yiyang, "430900")):
        reports.create_assignment(None, form=nanxian_objects["assignment"].form, issuer=issuer,
                                  region=Region.objects.get(code=region), name=f"{region} 日报",
                                  deadline=dt.time(10), start_date=dt.date(2021, 8, 2), end_date=dt.date(2021, 8, 2))
    people = [world.hunan, world.nanxian, world.cili, world.home_reporter, world.leshan_staff, world.sysadmin,
              world.secadmin, world.auditor, AnonymousUser(), None]
    objects = list(model.objects.all())
    assert objects
    for user in people:
        for mode in scope.MODES:
            kept = set(scope.restrict(model.objects.all(), user, mode=mode).values_list("pk", flat=True))
            seen = {obj.pk for obj in objects if scope.sees(user, obj, mode)}
            assert seen == kept, (model.__name__, getattr(user, "username", user), mode)


def test_sees_refuses_a_model_it_cannot_read_without_a_query(world):
    from tongxin.core.models import Notification

    with pytest.raises(ImproperlyConfigured):
        scope.sees(world.nanxian, Notification(recipient=world.nanxian))
