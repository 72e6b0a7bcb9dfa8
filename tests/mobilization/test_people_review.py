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


def test_merge_refuses_overlapping_shifts_of_two_posts_and_changes_nothing(world):
    walk, full = _pair(world)
    gate = factories.shift(factories.post(world.leshan, "零阳镇高速路口卡点"), "2021-07-30", start=8, hours=4)
    depot = factories.shift(factories.post(world.leshan, "物资转运点"), "2021-07-30", start=10, hours=4)
    moving = factories.assignment(gate, walk)
    factories.assignment(depot, full)
    with pytest.raises(ValidationError) as exc:
        services.merge(world.leshan_staff, walk, full)
    text = exc.value.message_dict["into"][0]
    assert "零阳镇高速路口卡点" in text and "物资转运点" in text and "08:00–12:00" in text and "10:00–14:00" in text
    walk.refresh_from_db()
    assert walk.is_active and walk.merged_into is None
    assert Assignment.objects.get(pk=moving.pk).person == walk


def test_merge_moves_drafts_and_carries_final_records_over_by_a_correction(world):
    walk, full = _pair(world)
    draft = _record(walk, world.leshan, RecordStatus.DRAFT)
    final = _record(walk, world.leshan, RecordStatus.FINAL, "2021-07-29")
    services.merge(world.leshan_staff, walk, full)
    draft.refresh_from_db()
    final.refresh_from_db()
    assert draft.person == full and draft.status == RecordStatus.DRAFT
    assert final.person == walk and final.status == RecordStatus.SUPERSEDED  # never edited
    new = ServiceRecord.objects.get(corrects=final)
    assert new.person == full and new.status == RecordStatus.FINAL and new.hours == final.hours
    assert new.correction_reason == "现场登记人员合并至正式档案" and new.reviewed_by == world.leshan_staff


def test_merge_is_refused_while_the_walk_up_has_a_valid_certificate(world):
    walk, full = _pair(world)
    record = _record(walk, world.leshan, RecordStatus.FINAL)
    certificate = Certificate.objects.create(person=walk, unit=world.leshan, code="TX-TEST-1",
                                             period_from=dt.date(2021, 7, 1), period_until=dt.date(2021, 7, 31),
                                             hours=Decimal("4.00"), issued_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.merge(world.leshan_staff, walk, full)
    assert "请先作废该人员的服务记录证明" in exc.value.message_dict["walk_up"][0]
    record.refresh_from_db()
    assert record.person == walk and record.status == RecordStatus.FINAL
    certificate.revoked_at, certificate.revoke_reason = timezone.now(), "合并前作废"
    certificate.save()
    assert services.merge(world.leshan_staff, walk, full) == full


def test_the_join_page_accepts_a_duplicate_quietly(world, client):
    url = reverse("mobilization:person-join")
    first = client.post(url, {"region_code": "430821", "kind": "volunteer", "name": "赵敏", "mobile": "13907449999",
                              "id_number": ID})
    assert first.status_code == 200 and "报名成功" in first.content.decode()
    for data in ({"name": "钱某", "mobile": "13907449999"}, {"name": "孙某", "mobile": "13907448888", "id_number": ID}):
        again = client.post(url, {"region_code": "430821", "kind": "volunteer", **data})
        text = again.content.decode()
        assert again.status_code == 200 and "报名成功" in text and data["name"] in text
        assert "赵敏" not in text and "已自助登记" not in text and "已登记过" not in text
    assert Person.objects.get().name == "赵敏"


def test_the_same_mobile_badge_only_for_who_sees_the_numbers(world, client_for, monkeypatch):
    walk, full = _pair(world)
    url = reverse("mobilization:person-merge", args=[walk.pk])
    assert "手机号码相同" in client_for(world.leshan_staff).get(url).content.decode()
    monkeypatch.setattr("tongxin.mobilization.views.people.may_see_personal", lambda user, unit: False)
    page = client_for(world.leshan_staff).get(url)
    assert page.status_code == 200 and "手机号码相同" not in page.content.decode()


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


def test_the_unit_filter_uses_the_picker_and_says_when_units_are_left_out(world, client_for):
    form = FilterForm({"unit": "987654"}, units=[world.leshan], more=True)
    assert form.is_valid() and form.cleaned_data["unit"] == 987654
    assert "仅列出前 200 个" in str(form.fields["unit"].help_text)
    services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英", mobile=MOBILE)
    page = client_for(world.cili).get(reverse("mobilization:person-list"), {"unit": world.leshan.pk})
    text = page.content.decode()
    assert page.status_code == 200 and reverse("units:pick-units") in text and "王秀英" in text


def test_insured_today_is_the_local_day(world, monkeypatch):
    p = services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王秀英", mobile=MOBILE,
                          insurance_policy="P", insurance_from=dt.date(2021, 7, 30),
                          insurance_until=dt.date(2021, 7, 30))
    monkeypatch.setattr("tongxin.mobilization.queries.people.timezone.localdate", lambda: dt.date(2021, 7, 30))
    assert list(queries.people_for(world.leshan_staff, insured=True)) == [p]


def test_the_pool_page_says_people_are_reached_by_the_sms(world, client_for):
    services.self_register(region_code="430821", kind="volunteer", name="赵敏", mobile="13907449999")
    text = client_for(world.leshan_staff).get(reverse("mobilization:person-pool")).content.decode()
    assert "139****9999" in text and "接收后系统会自动给本人发短信" in text


def test_a_too_long_text_has_the_projects_one_message(world):
    with pytest.raises(ValidationError) as exc:
        services.register(world.leshan_staff, world.leshan, kind="volunteer", name="王" * 51, mobile=MOBILE)
    assert exc.value.message_dict["name"] == ["不能超过 50 字（现有 51 字）"]
