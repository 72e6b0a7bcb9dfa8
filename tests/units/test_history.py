"""A unit's history: the days it was in service, where and as what, kept by the unit services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tongxin.core.models import AuditEvent
from tongxin.units import services
from tongxin.units.models import Kind, Unit, UnitPeriod
from tongxin.units.signals import unit_moved

D1, D2, D3 = dt.date(2021, 8, 1), dt.date(2021, 8, 3), dt.date(2021, 8, 6)


def periods(unit: Unit) -> list[tuple[str, str, dt.date, dt.date | None]]:
    return [(p.region_code, p.kind, p.valid_from, p.valid_until)
            for p in UnitPeriod.objects.filter(unit=unit).order_by("valid_from")]


def test_a_new_unit_is_in_service_from_today(world):
    unit = services.create_unit(world.nanxian, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE, region_id="430921")
    assert periods(unit) == [("430921", Kind.ELDERLY_CARE, timezone.localdate(), None)]


def test_the_world_was_in_service_before_the_story(world):
    assert periods(world.nanxian_home) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), None)]


def test_an_officer_cannot_backdate_a_new_unit_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as exc:
        services.create_unit(world.nanxian, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE, region_id="430921",
                             in_service_from=D1)
    assert "in_service_from" in exc.value.message_dict
    assert not Unit.objects.filter(name="南县厂窖镇敬老院").exists()


def test_no_one_starts_a_unit_in_the_future(world):
    with pytest.raises(ValidationError):
        services.create_unit(None, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE, region_id="430921",
                             in_service_from=timezone.localdate() + dt.timedelta(days=1))


def test_closing_ends_the_period_and_reopening_starts_a_new_one(world):
    home = world.nanxian_home_2
    services.close_unit(None, home, day=D1)
    services.reopen_unit(None, home, day=D2)
    home.refresh_from_db()
    assert home.is_active
    assert periods(home) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), D1),
                             ("430921", Kind.ELDERLY_CARE, D2, None)]


def test_closing_and_reopening_on_the_same_day_leaves_one_unbroken_period(world):
    home = world.nanxian_home_2
    services.close_unit(world.nanxian, home)
    services.reopen_unit(world.nanxian, home)
    assert periods(home) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), None)]


def test_closing_through_the_edit_form_fields_ends_the_period_today(world):
    services.update_unit(world.nanxian, world.nanxian_home_2, is_active=False)
    assert periods(world.nanxian_home_2)[-1][3] == timezone.localdate()


def test_an_officer_cannot_close_a_unit_as_of_a_past_day(world):
    with pytest.raises(ValidationError) as exc:
        services.close_unit(world.nanxian, world.nanxian_home_2, day=D1)
    assert "day" in exc.value.message_dict
    world.nanxian_home_2.refresh_from_db()
    assert world.nanxian_home_2.is_active
    assert periods(world.nanxian_home_2)[-1][3] is None


def test_a_kind_change_opens_a_new_period(world):
    services.update_unit(None, world.nanxian_home_2, kind=Kind.CHILD_WELFARE, day=D2)
    assert periods(world.nanxian_home_2) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), D2),
                                             ("430921", Kind.CHILD_WELFARE, D2, None)]


def test_moving_a_unit_ends_its_period_and_opens_one_in_the_new_county(world):
    moved = services.move_unit(None, world.nanxian_home_2, region_code="430821", day=D2)
    assert moved.region_id == "430821"
    assert moved.supervisor == world.cili_bureau  # the new county's bureau now supervises it
    assert periods(moved) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), D2),
                              ("430821", Kind.ELDERLY_CARE, D2, None)]


def test_two_moves_keep_the_whole_path(world):
    services.move_unit(None, world.nanxian_home_2, region_code="430821", day=D2)
    services.move_unit(None, world.nanxian_home_2, region_code="430921", day=D3)
    assert [p[0] for p in periods(world.nanxian_home_2)] == ["430921", "430821", "430921"]


def test_a_move_before_the_current_period_began_is_refused(world):
    services.move_unit(None, world.nanxian_home_2, region_code="430821", day=D3)
    with pytest.raises(ValidationError):
        services.move_unit(None, world.nanxian_home_2, region_code="430921", day=D2)
    assert Unit.objects.get(pk=world.nanxian_home_2.pk).region_id == "430821"


def test_a_move_to_an_unknown_region_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.move_unit(None, world.nanxian_home_2, region_code="999999")
    assert "region" in exc.value.message_dict


def test_a_county_officer_cannot_move_a_home_into_another_county(world):
    with pytest.raises(PermissionDenied):
        services.move_unit(world.nanxian, world.nanxian_home_2, region_code="430821")
    assert Unit.objects.get(pk=world.nanxian_home_2.pk).region_id == "430921"


def test_the_province_officer_moves_a_home_today(world):
    services.move_unit(world.hunan, world.nanxian_home_2, region_code="430821")
    today = timezone.localdate()
    assert periods(world.nanxian_home_2) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), today),
                                             ("430821", Kind.ELDERLY_CARE, today, None)]


def test_a_move_is_audited_with_before_and_after(world):
    services.move_unit(world.hunan, world.nanxian_home_2, region_code="430821")
    event = AuditEvent.objects.filter(object_type="units.unit", object_id=str(world.nanxian_home_2.pk),
                                      action="update").latest("at")
    assert event.actor_name == "hunan"
    assert event.changes["region"] == ["430921", "430821"]
    assert event.changes["supervisor"] == [world.nanxian_bureau.pk, world.cili_bureau.pk]
    assert event.changes["effective_day"] == [None, timezone.localdate().isoformat()]


def test_a_move_tells_its_followers_inside_the_transaction(world):
    heard = []

    def follower(sender, **kwargs):
        saved = Unit.objects.get(pk=kwargs["unit"].pk)
        heard.append({**kwargs, "saved_region": saved.region_id, "in_transaction": connection.in_atomic_block})

    unit_moved.connect(follower)
    try:
        services.move_unit(world.hunan, world.nanxian_home_2, region_code="430821")
    finally:
        unit_moved.disconnect(follower)
    (call,) = heard
    assert call["actor"] == world.hunan and call["unit"].pk == world.nanxian_home_2.pk
    assert (call["old_region_code"], call["new_region_code"]) == ("430921", "430821")
    assert call["day"] == timezone.localdate()
    assert call["saved_region"] == "430821" and call["in_transaction"]


def test_a_follower_that_fails_undoes_the_move(world):
    def refuse(sender, **kwargs):
        raise ValidationError("台账无法迁移")

    unit_moved.connect(refuse)
    try:
        with pytest.raises(ValidationError):
            services.move_unit(world.hunan, world.nanxian_home_2, region_code="430821")
    finally:
        unit_moved.disconnect(refuse)
    assert Unit.objects.get(pk=world.nanxian_home_2.pk).region_id == "430921"
    assert [p[0] for p in periods(world.nanxian_home_2)] == ["430921"]


def test_editing_a_contact_is_no_move_and_keeps_the_period(world):
    heard = []

    def follower(sender, **kwargs):
        heard.append(kwargs)

    unit_moved.connect(follower)
    try:
        services.update_unit(world.nanxian, world.nanxian_home_2, contact_person="王芳")
    finally:
        unit_moved.disconnect(follower)
    assert heard == []
    assert periods(world.nanxian_home_2) == [("430921", Kind.ELDERLY_CARE, dt.date(2021, 1, 1), None)]
