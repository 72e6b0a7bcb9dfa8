"""The Hunan demo: built once per module (twice, to prove idempotence), rolled back afterwards."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from stdnum.cn import uscc

from tongxin.accounts.models import User
from tongxin.demo import story
from tongxin.regions.queries import in_subtree
from tongxin.units.models import Kind, Membership, Unit
from tongxin.units.queries import visible_units

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Built:
    first: dict[str, int]
    second: dict[str, int]
    after_first: dict[str, int]
    after_second: dict[str, int]


@pytest.fixture
def built(demo_builds):
    return Built(demo_builds.first, demo_builds.second, demo_builds.after_first, demo_builds.after_second)


def hunan_units():
    return Unit.objects.filter(in_subtree("region_id", "43"))


def test_every_division_of_hunan_has_its_bureau(built):
    bureaus = hunan_units().filter(kind=Kind.BUREAU)
    assert bureaus.count() == 1 + 14 + 122
    assert bureaus.filter(region_id=story.PROVINCE_CODE, name=story.PROVINCE_BUREAU).exists()
    for region, name in [("430800", "张家界市民政局"), ("430821", "慈利县民政局"), ("430921", "南县民政局")]:
        assert bureaus.filter(region_id=region, name=name).exists()


def test_nanxian_has_seventeen_homes_with_their_details(built):
    homes = Unit.objects.filter(region_id=story.NANXIAN, kind=Kind.ELDERLY_CARE)
    assert homes.count() == story.NANXIAN_HOME_COUNT == 17
    assert set(homes.values_list("name", flat=True)) == {h.name for h in story.NANXIAN_HOMES}
    for home in homes:
        assert home.beds and home.residents and home.staff and home.contact_person and home.address
        assert len(home.phone) == 11 and home.phone.startswith("1")
        assert home.credit_code[:2] in ("12", "52") and home.credit_code[2:8] == story.NANXIAN
        assert home.supervisor.name == "南县民政局"


def test_counties_of_zhangjiajie_zhuzhou_and_xiangtan_have_a_few_homes(built):
    for city in ("4308", "4302", "4303"):
        counties = {code for code in story.COUNTY_HOMES if code.startswith(city)}
        bureaus = hunan_units().filter(kind=Kind.BUREAU).filter(in_subtree("region_id", city)).exclude(
            region_id=city + "00")
        assert counties == set(bureaus.values_list("region_id", flat=True))
        for county in counties:
            assert 2 <= Unit.objects.filter(region_id=county, kind=Kind.ELDERLY_CARE).count() <= 3


def test_association_has_thirty_two_member_enterprises(built):
    association = Unit.objects.get(region_id=story.ZHUZHOU, name=story.ASSOCIATION)
    members = association.members.all()
    assert members.count() == story.MEMBER_COUNT == 32
    for member in members:
        assert member.kind == Kind.MEMBER_ENTERPRISE
        assert member.region_id.startswith("4302") and member.region_id != story.ZHUZHOU
        assert member.credit_code.startswith("91" + member.region_id)


def test_every_named_organisation_exists(built):
    for org in story.ORGANISATIONS:
        assert Unit.objects.filter(region_id=org.region, name=org.name, kind=org.kind).exists(), org.name


def test_credit_codes_are_valid_and_unique(built):
    codes = list(hunan_units().values_list("credit_code", flat=True))
    assert all(code and uscc.is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_every_demo_login_authenticates_with_its_role(built):
    for login in story.LOGINS:
        user = authenticate(RequestFactory().post("/accounts/login/"), username=login.username, password=story.PASSWORD)
        assert user is not None, login.username
        assert user.full_name == login.full_name
        held = set(Membership.objects.filter(user=user).values_list("unit__region_id", "unit__name", "role"))
        extra = {(x.region, x.unit, x.role) for x in story.EXTRA_ROLES if x.username == login.username}
        assert held == {(login.region, login.unit, login.role)} | extra


def test_building_twice_changes_nothing(built):
    story_units = built.first["bureaus"] + built.first["homes"] + built.first["organisations"]
    assert built.first["units_created"] == built.after_first["units"] == story_units
    second = built.second
    assert second["units_created"] == second["users_created"] == second["roles_granted"] == 0
    assert built.after_second == built.after_first


def test_nanxian_sees_its_homes_and_nothing_of_cili(built):
    nanxian = User.objects.get(username="nanxian")
    seen = visible_units(nanxian)
    assert seen.filter(region_id=story.NANXIAN, kind=Kind.ELDERLY_CARE).count() == 17
    assert not seen.filter(region_id=story.CILI).exists()
    assert Unit.objects.filter(region_id=story.CILI).count() > 0


def test_the_demo_audit_trail_verifies(built):
    """`tongxin audit verify` on the demo: every record of the build chained, none out of place (#12)."""
    from django.core.management import call_command

    from tongxin.core import audit_chain
    from tongxin.core.models import AuditEvent

    verdict = audit_chain.verify()
    assert verdict.ok, verdict.problem
    assert verdict.checked == AuditEvent.objects.count() == built.after_second["audit_events"]
    call_command("audit", "verify", verbosity=0)
