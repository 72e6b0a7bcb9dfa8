"""People of social organisations: register, update, walk-ups and merging, self-registration and
taking on — every refusal a message at its field, nothing half-saved, every write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.mobilization import factories
from tongxin.core.models import AuditEvent
from tongxin.mobilization.models import Assignment, Person, PersonKind, Skill
from tongxin.mobilization.queries import people as queries
from tongxin.mobilization.services import people as services
from tongxin.units import services as unit_services
from tongxin.units.models import Kind

GOOD_ID = "430821199001011235"
MINOR_ID = "430821201006010020"
BAD_CHECK_DIGIT = "430821199001011236"


def register(world, **kw):
    values = {"kind": PersonKind.VOLUNTEER, "name": "王秀英", "mobile": "13907441234"}
    values.update(kw)
    return services.register(world.leshan_staff, world.leshan, **values)


def messages(exc, field):
    return exc.value.message_dict[field]


def test_leshan_registers_a_volunteer_with_birth_date_from_the_id_number(world):
    p = register(world, id_number=GOOD_ID.lower(), skills=[Skill.ORDER, Skill.ORDER, Skill.FIRST_AID],
                 insurance_policy="PICC-1", insurance_from=dt.date(2021, 7, 1), insurance_until=dt.date(2022, 6, 30))
    assert p.unit == world.leshan and p.region_code == "430821" and p.birth_date == dt.date(1990, 1, 1)
    assert p.skills == ["order", "first_aid"] and len(p.checkin_key) == 43
    assert queries.age_on(p, dt.date(2021, 7, 30)) == 31
    assert queries.insured_on(p, dt.date(2021, 7, 30)) and not queries.insured_on(p, dt.date(2022, 7, 1))
    event = AuditEvent.objects.get(object_type="mobilization.person", object_id=str(p.pk))
    assert event.action == "create"


def test_a_bad_check_digit_is_named(world):
    with pytest.raises(ValidationError) as exc:
        register(world, id_number=BAD_CHECK_DIGIT)
    assert "校验位" in messages(exc, "id_number")[0]
    assert not Person.objects.exists()


def test_a_malformed_phone_is_named(world):
    with pytest.raises(ValidationError) as exc:
        register(world, mobile="1390744")
    assert "手机号码格式不正确" in messages(exc, "mobile")[0]


def test_a_landline_is_not_a_mobile(world):
    with pytest.raises(ValidationError) as exc:
        register(world, mobile="0744-5221234")
    assert "不能是固定电话" in messages(exc, "mobile")[0]


def test_a_missing_name_and_a_long_one(world):
    with pytest.raises(ValidationError) as exc:
        register(world, name="  ")
    assert messages(exc, "name") == ["请填写姓名"]
    with pytest.raises(ValidationError) as exc:
        register(world, name="王" * 51)
    assert "不能超过 50 字" in messages(exc, "name")[0]


def test_skills_and_insurance_are_checked_all_at_once(world):
    with pytest.raises(ValidationError) as exc:
        register(world, skills=["flying"], insurance_from=dt.date(2021, 8, 1), insurance_until=dt.date(2021, 7, 1))
    errors = exc.value.message_dict
    assert "flying" in errors["skills"][0]
    assert errors["insurance_until"] == ["保险止期不能早于保险起期"]
    assert "保单号" in errors["insurance_policy"][0]


def test_the_same_id_number_twice_in_one_unit_is_refused(world):
    register(world, id_number=GOOD_ID)
    with pytest.raises(ValidationError) as exc:
        register(world, name="王秀英二", mobile="13907441235", id_number=GOOD_ID)
    assert "已登记" in messages(exc, "id_number")[0]


def test_an_outside_unit_has_no_people(world):
    outside = unit_services.create_unit(None, name="慈利县人民医院", kind=Kind.HOSPITAL, region_id="430821",
                                        in_service_from=dt.date(2021, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.register(None, outside, kind=PersonKind.VOLUNTEER, name="甲", mobile="13907441234")
    assert "unit" in exc.value.message_dict


def test_scope_a_stranger_and_the_administrators_get_404(world):
    for actor in (world.nanxian, world.sysadmin, world.auditor):
        with pytest.raises(Http404):
            services.register(actor, world.leshan, kind="volunteer", name="甲", mobile="13907441234")
    assert not Person.objects.exists()


def test_update_is_checked_and_audited(world):
    p = register(world)
    with pytest.raises(ValidationError):
        services.update(world.leshan_staff, p, id_number=BAD_CHECK_DIGIT)
    p = services.update(world.cili, p, id_number=MINOR_ID, skills=[Skill.MEDICAL])
    assert p.birth_date == dt.date(2010, 6, 1) and queries.age_on(p, dt.date(2021, 7, 30)) == 11
    event = AuditEvent.objects.filter(object_id=str(p.pk), action="update").get()
    assert "id_number" in event.changes and "birth_date" in event.changes


def test_a_walk_up_is_merged_into_the_full_record_with_its_assignments(world):
    full = register(world, id_number=GOOD_ID)
    walk = services.walk_up(world.leshan_staff, world.leshan, name="王秀英", mobile="13907441234")
    assert walk.is_walk_up and walk.id_number == ""
    post = factories.post(world.leshan)
    shift = factories.shift(post, "2021-07-30")
    assignment = factories.assignment(shift, walk)
    into = services.merge(world.leshan_staff, walk, full)
    walk.refresh_from_db()
    assert into == full and walk.merged_into == full and not walk.is_active
    assert Assignment.objects.get(pk=assignment.pk).person == full
    assert AuditEvent.objects.filter(object_type="mobilization.assignment", object_id=str(assignment.pk)).exists()
    with pytest.raises(ValidationError):
        services.merge(world.leshan_staff, walk, full)  # already merged


def test_merge_refuses_another_unit_and_a_walk_up_target(world):
    walk = services.walk_up(world.leshan_staff, world.leshan, name="甲", mobile="13907441234")
    other = services.walk_up(world.leshan_staff, world.leshan, name="乙", mobile="13907441235")
    home = services.register(None, world.cili_home, kind="volunteer", name="丙", mobile="13907441236")
    with pytest.raises(ValidationError) as exc:
        services.merge(world.leshan_staff, walk, other)
    assert "into" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.merge(None, walk, home)
    walk.refresh_from_db()
    assert walk.is_active and walk.merged_into is None


def test_self_registration_waits_in_the_pool_and_is_taken_on(world):
    p = services.self_register(region_code="430821", kind=PersonKind.VOLUNTEER, name="赵敏", mobile="13907449999")
    assert p.unit is None and p in queries.pool(world.leshan)
    assert p not in queries.pool(world.nanxian_home)
    again = services.self_register(region_code="430821", kind="volunteer", name="赵敏", mobile="13907449999")
    assert again == p and Person.objects.count() == 1  # a duplicate is accepted quietly, nothing changed
    with pytest.raises(ValidationError) as exc:
        services.self_register(region_code="999999", kind="volunteer", name="钱", mobile="13907448888")
    assert "region_code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.take_on(world.home_reporter, p, world.nanxian_home)  # not in 南县's pool
    taken = services.take_on(world.leshan_staff, p, world.leshan)
    assert taken.unit == world.leshan and taken not in queries.pool(world.leshan)
    from tongxin.core.models import Notification
    assert Notification.objects.filter(contact_key=f"mobilization.person:{p.pk}").exists()


def test_people_for_filters_by_kind_skill_insurance_and_name(world):
    a = register(world, kind=PersonKind.SOCIAL_WORKER, name="社工甲", skills=[Skill.SOCIAL_WORK],
                 insurance_policy="P", insurance_from=dt.date(2021, 1, 1), insurance_until=dt.date(2021, 12, 31))
    b = register(world, name="志愿者乙", mobile="13907441235", skills=[Skill.ORDER])
    day = dt.date(2021, 7, 30)
    see = world.leshan_staff
    assert list(queries.people_for(see, kind=PersonKind.SOCIAL_WORKER)) == [a]
    assert list(queries.people_for(see, skill=Skill.ORDER)) == [b]
    assert list(queries.people_for(see, insured=True, day=day)) == [a]
    assert list(queries.people_for(see, insured=False, day=day)) == [b]
    assert list(queries.people_for(see, q="乙")) == [b]
    assert list(queries.people_for(world.nanxian)) == []
