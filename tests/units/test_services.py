"""Writing units and roles: validation with named fields, scope, the administrator separation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from stdnum.cn import uscc

from tongxin.units import scope, services
from tongxin.units.models import Kind, Membership, Role, Unit


def valid_code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def test_a_new_home_answers_to_its_county_bureau(world):
    unit = services.create_unit(world.nanxian, name="南县厂窖镇敬老院", kind=Kind.ELDERLY_CARE,
                                region_id="430921", credit_code=valid_code("12430921MB0000001").lower(),
                                phone="138 0737 0001")
    assert unit.supervisor == world.nanxian_bureau
    assert unit.category == "institution"
    assert unit.credit_code == valid_code("12430921MB0000001")
    assert unit.phone == "13807370001"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"credit_code": "91430921MA4L00001X"}, "credit_code"),
        ({"phone": "12345"}, "phone"),
        ({"name": ""}, "name"),
        ({"kind": "spaceship"}, "kind"),
        ({"region_id": "430921", "name": "南县福利院"}, "__all__"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, values, field):
    base = {"name": "南县新敬老院", "kind": Kind.ELDERLY_CARE, "region_id": "430921"}
    count = Unit.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_unit(world.nanxian, **{**base, **values})
    assert field in exc.value.message_dict
    assert Unit.objects.count() == count


def test_duplicate_credit_code_is_refused(world):
    code = valid_code("12430921MB0000002")
    services.create_unit(world.nanxian, name="甲", kind=Kind.ELDERLY_CARE, region_id="430921", credit_code=code)
    with pytest.raises(ValidationError) as exc:
        services.create_unit(world.nanxian, name="乙", kind=Kind.ELDERLY_CARE, region_id="430921", credit_code=code)
    assert "credit_code" in exc.value.message_dict


def test_county_officer_cannot_create_in_another_county(world):
    with pytest.raises(PermissionDenied):
        services.create_unit(world.cili, name="越界敬老院", kind=Kind.ELDERLY_CARE, region_id="430921")
    assert not Unit.objects.filter(name="越界敬老院").exists()


def test_county_officer_cannot_move_a_home_out_of_their_county(world):
    with pytest.raises(PermissionDenied):
        services.update_unit(world.nanxian, world.nanxian_home, region_id="430821")
    assert Unit.objects.get(pk=world.nanxian_home.pk).region_id == "430921"


def test_stranger_gets_not_found_not_forbidden(world):
    with pytest.raises(Http404):
        services.update_unit(world.cili, world.nanxian_home, beds=1)


def test_supervisor_must_be_a_visible_bureau(world):
    with pytest.raises(ValidationError) as exc:
        services.update_unit(world.nanxian, world.nanxian_home_2, supervisor=world.nanxian_home)
    assert "supervisor" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.update_unit(world.nanxian, world.nanxian_home_2, supervisor=world.cili_bureau)


@pytest.mark.parametrize("second", [Role.SECURITY_ADMIN, Role.AUDITOR])
def test_no_account_holds_two_administrator_roles(world, second):
    with pytest.raises(ValidationError) as exc:
        services.grant_role(world.secadmin, world.sysadmin, world.province, second)
    assert "role" in exc.value.message_dict
    assert set(Membership.objects.filter(user=world.sysadmin).values_list("role", flat=True)) == {Role.SYSTEM_ADMIN}


def test_only_the_security_admin_grants_administrator_roles(world):
    from tongxin.accounts.services import create_user

    newcomer = create_user(None, username="auditor-2", password="x" * 12, check_password=False)
    with pytest.raises(PermissionDenied):
        services.grant_role(world.sysadmin, newcomer, world.province, Role.AUDITOR)
    membership = services.grant_role(world.secadmin, newcomer, world.province, Role.AUDITOR)
    assert membership.role == Role.AUDITOR


def test_an_officer_cannot_also_be_an_administrator(world):
    with pytest.raises(ValidationError) as exc:
        services.grant_role(world.secadmin, world.hunan, world.province, Role.AUDITOR)
    assert "role" in exc.value.message_dict
    assert not Membership.objects.filter(user=world.hunan, role=Role.AUDITOR).exists()


def test_a_role_must_fit_the_unit(world):
    with pytest.raises(ValidationError):
        services.grant_role(None, world.nanxian, world.nanxian_home, Role.OFFICER)


def test_scope_follows_a_new_membership(world):
    assert not scope.scope_of(world.cili).covers(world.nanxian_home)
    services.grant_role(None, world.cili, world.nanxian_bureau, Role.OFFICER)
    assert scope.scope_of(world.cili).covers(world.nanxian_home)


def test_closed_bureau_grants_no_scope(world):
    services.update_unit(None, world.nanxian_bureau, is_active=False)
    world.nanxian.refresh_from_db()
    scope.forget(world.nanxian)
    assert not scope.scope_of(world.nanxian).covers(world.nanxian_home)


def test_county_officer_edits_own_bureau_whose_supervisor_they_cannot_see(world):
    services.update_unit(world.nanxian, world.nanxian_bureau, phone="07375221234")
    assert Unit.objects.get(pk=world.nanxian_bureau.pk).phone == "07375221234"
    assert Unit.objects.get(pk=world.nanxian_bureau.pk).supervisor == world.yiyang
