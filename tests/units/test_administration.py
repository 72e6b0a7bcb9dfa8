"""Account administration: the security administrator's work, kept to their bureau's subtree, and
the separation of the three administrators (units.administration, units.services.grant_role)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.accounts.services import create_user
from tongxin.core.models import AuditEvent
from tongxin.units import administration, services
from tongxin.units.models import Membership, Role


@pytest.fixture
def county_secadmin(world):
    """南县's own security administrator: administers the accounts of 南县 only."""
    user = create_user(None, username="nanxian-secadmin", password="x" * 12, check_password=False)
    services.grant_role(None, user, world.nanxian_bureau, Role.SECURITY_ADMIN)
    return user


def fingerprint():
    return (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count(),
            sorted(User.objects.values_list("pk", "is_active", "is_locked", "must_change_password", "password")))


# --- creating accounts ---------------------------------------------------------------------------

def test_the_security_admin_creates_an_account_with_its_first_role(world, client_for):
    response = client_for(world.secadmin).post(reverse("users:create"), {
        "username": "nanxian-home-05", "full_name": "胡静", "phone": "138 0737 5678", "unit": "南县福利院",
        "role": "reporter"})
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="nanxian-home-05")
    assert user.check_password(password) and user.must_change_password and user.phone == "13807375678"
    assert list(user.memberships.values_list("unit__name", "role")) == [("南县福利院", "reporter")]
    assert password in response.content.decode()  # shown once, on this page


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"username": "NANXIAN"}, "username", "已被使用"),                        # taken, in any case
    ({"password": "12345678"}, "password", "密码"),                           # weak
    ({"unit": "不存在的敬老院"}, "unit", "找不到单位"),                        # unknown unit
    ({"unit": "慈利县零阳镇敬老院"}, "unit", "找不到单位"),                    # outside the county admin's subtree
    ({"phone": "12345"}, "phone", "电话号码"),
    ({"role": "officer"}, "role", "不适用"),                                  # an officer at a home
    ({"role": "system_admin", "unit": "南县民政局"}, "role", None),            # fine: admin role at a bureau
    ({"role": "rocket"}, "role", None),
])
def test_bad_input_on_create_names_the_field_and_changes_nothing(world, county_secadmin, client_for, body, field,
                                                                 words):
    good = {"username": "nanxian-home-06", "full_name": "罗兰", "unit": "南县福利院", "role": "reporter"}
    client = client_for(county_secadmin)
    before = fingerprint()
    response = client.post(reverse("users:create"), {**good, **body})
    if body.get("role") == "system_admin":
        assert response.status_code == 200  # the control case: this one is allowed
        return
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and (words is None or words in " ".join(errors[field]))
    assert fingerprint() == before


def test_the_api_creates_an_account_and_refuses_bad_input_field_by_field(world, api_for):
    client = api_for(world.secadmin)
    response = client.post("/api/accounts/", {"username": "nanxian-home-07", "full_name": "易", "unit": "南县福利院",
                                              "role": "reporter"}, format="json")
    assert response.status_code == 201 and response.json()["temporary_password"]
    before = fingerprint()
    response = client.post("/api/accounts/", {"username": "nanxian-home-07", "full_name": "易", "unit": "99999",
                                              "role": "reporter"}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    response = client.post("/api/accounts/", {"username": "nanxian-home-07", "full_name": "易", "unit": "南县福利院",
                                              "role": "reporter"}, format="json")
    assert response.status_code == 400 and "username" in response.json()
    assert fingerprint() == before


# --- granting and revoking, within the subtree -----------------------------------------------------

def test_a_county_security_admin_grants_only_within_the_county(world, county_secadmin):
    new = administration.create_account(county_secadmin, username="nx-07", unit=world.nanxian_home, role="reporter")
    administration.grant(county_secadmin, new.user, world.nanxian_home_2, Role.REPORTER)
    with pytest.raises(Http404):
        administration.grant(county_secadmin, new.user, world.cili_home, Role.REPORTER)
    with pytest.raises(Http404):
        administration.create_account(county_secadmin, username="nx-08", unit=world.cili_home, role="reporter")
    assert set(new.user.memberships.values_list("unit__name", flat=True)) == {"南县福利院", "南县南洲镇敬老院"}


def test_a_county_security_admin_sees_only_the_countys_accounts(world, county_secadmin, client_for):
    client = client_for(county_secadmin)
    page = client.get(reverse("users:list")).content.decode()
    assert "nanxian-home-01" in page and "cili" not in page and "hunan" not in page
    assert client.get(reverse("users:detail", args=[world.cili.pk])).status_code == 404
    assert client.get(reverse("users:detail", args=[world.hunan.pk])).status_code == 404
    assert client.post(reverse("users:reset", args=[world.cili.pk])).status_code == 404
    assert client.post(reverse("users:state", args=[world.cili.pk]), {"action": "lock"}).status_code == 404


def test_an_account_with_roles_in_two_counties_belongs_to_the_province(world, county_secadmin, client_for):
    services.grant_role(None, world.home_reporter, world.cili_home, Role.REPORTER)
    assert client_for(county_secadmin).get(reverse("users:detail", args=[world.home_reporter.pk])).status_code == 404
    assert client_for(world.secadmin).get(reverse("users:detail", args=[world.home_reporter.pk])).status_code == 200
    with pytest.raises(Http404):
        administration.grant(county_secadmin, world.home_reporter, world.nanxian_home_2, Role.REPORTER)


@pytest.mark.parametrize("role", [Role.REPORTER, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDITOR])
def test_nobody_grants_a_role_to_themselves(world, role):
    unit = world.nanxian_home if role == Role.REPORTER else world.province
    with pytest.raises(PermissionDenied):
        administration.grant(world.secadmin, world.secadmin, unit, role)
    assert list(world.secadmin.memberships.values_list("role", flat=True)) == [Role.SECURITY_ADMIN]


def test_nobody_revokes_their_own_role_or_acts_on_their_own_account(world, client_for):
    own = world.secadmin.memberships.get()
    with pytest.raises(PermissionDenied):
        administration.revoke(world.secadmin, own)
    client = client_for(world.secadmin)
    assert client.post(reverse("users:state", args=[world.secadmin.pk]), {"action": "lock"}).status_code == 403
    assert client.post(reverse("users:reset", args=[world.secadmin.pk])).status_code == 403
    assert client.post(reverse("users:grant", args=[world.secadmin.pk]),
                       {"unit": "南县福利院", "role": "reporter"}).status_code == 403
    world.secadmin.refresh_from_db()
    assert world.secadmin.memberships.count() == 1 and not world.secadmin.is_locked


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "nanxian", "hunan", "home_reporter"])
def test_only_the_security_admin_manages_accounts_and_roles(world, who):
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        administration.grant(actor, world.leshan_staff, world.nanxian_home, Role.REPORTER)
    with pytest.raises(PermissionDenied):
        administration.reset_password(actor, world.leshan_staff)
    with pytest.raises(PermissionDenied):
        administration.change_state(actor, world.leshan_staff, "lock")
    with pytest.raises(PermissionDenied):
        administration.create_account(actor, username="x-1", unit=world.nanxian_home, role="reporter")
    with pytest.raises((PermissionDenied, Http404)):
        services.revoke_role(actor, world.home_reporter.memberships.get())
    assert not Membership.objects.filter(user=world.leshan_staff, unit=world.nanxian_home).exists()


def test_an_administrator_role_never_joins_a_business_role_on_one_account(world):
    with pytest.raises(ValidationError) as exc:
        administration.grant(world.secadmin, world.home_reporter, world.province, Role.AUDITOR)
    assert "不能与业务角色" in exc.value.message_dict["role"][0]
    with pytest.raises(ValidationError):
        administration.grant(world.secadmin, world.auditor, world.nanxian_home, Role.REPORTER)
    with pytest.raises(ValidationError):
        administration.grant(world.secadmin, world.auditor, world.province, Role.SYSTEM_ADMIN)
    assert list(world.auditor.memberships.values_list("role", flat=True)) == [Role.AUDITOR]


def test_the_security_admin_may_appoint_a_county_security_admin(world, client_for):
    new = administration.create_account(world.secadmin, username="cili-secadmin", unit=world.cili_bureau,
                                        role=Role.SECURITY_ADMIN)
    assert new.membership.role == Role.SECURITY_ADMIN
    assert new.user.must_change_password


def test_grant_and_revoke_on_the_pages_are_audited(world, client_for):
    client = client_for(world.secadmin)
    response = client.post(reverse("users:grant", args=[world.home_reporter.pk]),
                           {"unit": "南县南洲镇敬老院", "role": "reporter"})
    assert response.status_code == 302
    held = world.home_reporter.memberships.get(unit=world.nanxian_home_2)
    created = AuditEvent.objects.filter(object_type="units.membership", object_id=str(held.pk), action="create").get()
    assert created.actor_name == "secadmin" and created.unit_name == "南县南洲镇敬老院"
    response = client.post(reverse("users:revoke", args=[world.home_reporter.pk, held.pk]))
    assert response.status_code == 302 and not Membership.objects.filter(pk=held.pk).exists()
    assert AuditEvent.objects.filter(object_type="units.membership", object_id=str(held.pk), action="delete").exists()


def test_a_refused_grant_on_the_page_says_why_and_changes_nothing(world, client_for):
    client = client_for(world.secadmin)
    before = fingerprint()
    response = client.post(reverse("users:grant", args=[world.home_reporter.pk]),
                           {"unit": "湖南省民政厅", "role": "auditor"})
    assert response.status_code == 400 and "不能与业务角色" in response.content.decode()
    response = client.post(reverse("users:grant", args=[world.home_reporter.pk]),
                                               {"unit": "无此单位", "role": "reporter"})
    assert response.status_code == 400 and "找不到单位" in response.content.decode()
    assert fingerprint() == before


# --- passwords -------------------------------------------------------------------------------------

def test_a_reset_shows_the_temporary_password_once_and_audits_no_secret(world, client_for):
    response = client_for(world.secadmin).post(reverse("users:reset", args=[world.home_reporter.pk]))
    assert response.status_code == 200
    password = response.context["password"]
    world.home_reporter.refresh_from_db()
    assert world.home_reporter.check_password(password) and world.home_reporter.must_change_password
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(world.home_reporter.pk)).latest("id")
    assert event.actor_name == "secadmin" and event.changes["password"] == ["******", "管理员重置"]
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.all())
    assert password not in trail and world.home_reporter.password not in trail
    assert password not in client_for(world.secadmin).get(
        reverse("users:detail", args=[world.home_reporter.pk])).content.decode()


def test_a_reset_with_a_weak_chosen_password_is_refused(world, client_for):
    client = client_for(world.secadmin)
    before = fingerprint()
    response = client.post(reverse("users:reset", args=[world.home_reporter.pk]), {"password": "123456"})
    assert response.status_code == 400 and "password" in response.context["reset_form"].errors
    assert fingerprint() == before


def test_the_api_resets_a_password(world, api_for):
    response = api_for(world.secadmin).post(reverse("account-reset-password", args=[world.home_reporter.pk]))
    assert response.status_code == 200
    world.home_reporter.refresh_from_db()
    assert world.home_reporter.check_password(response.json()["temporary_password"])


# --- who holds which role where --------------------------------------------------------------------

def test_the_list_filters_by_region_unit_role_and_status_and_masks_phones(world, client_for):
    User.objects.filter(pk=world.home_reporter.pk).update(phone="13807371234")
    administration.change_state(world.secadmin, world.cili, "lock")
    client = client_for(world.secadmin)

    def names(**query):
        return {a.username for a in client.get(reverse("users:list"), query).context["accounts"]}

    assert names(region="430921") == {"nanxian", "nanxian-home-01"}
    assert names(region="430800") == {"cili", "leshan"}
    assert names(unit="南县福利院") == {"nanxian-home-01"}
    assert names(role="security_admin") == {"secadmin"}
    assert names(status="locked") == {"cili"}
    assert names(q="乐善") == {"leshan"}
    page = client.get(reverse("users:list"), {"region": "430921"}).content.decode()
    assert "138****1234" in page and "13807371234" not in page


def test_the_list_is_paginated(world, client_for):
    for i in range(30):
        create_user(None, username=f"bulk-{i:02}", password="x" * 12, check_password=False)
    response = client_for(world.secadmin).get(reverse("users:list"))
    assert len(response.context["accounts"]) == 25 and response.context["paginator"].count == 30 + 8


def test_the_roles_api_lists_who_holds_what_where(world, api_for):
    client = api_for(world.secadmin)
    rows = client.get("/api/memberships/", {"region": "430921"}).json()["results"]
    assert {(r["username"], r["unit_name"], r["role"]) for r in rows} == {
        ("nanxian", "南县民政局", "officer"), ("nanxian-home-01", "南县福利院", "reporter")}
    assert client.get("/api/memberships/", {"region": "431"}).status_code == 400  # malformed
    account = client.get(reverse("account-detail", args=[world.home_reporter.pk])).json()
    assert account["roles"][0]["unit_name"] == "南县福利院"


def test_the_api_revokes_a_role(world, api_for):
    held = world.home_reporter.memberships.get()
    assert api_for(world.secadmin).delete(reverse("membership-detail", args=[held.pk])).status_code == 204
    assert not Membership.objects.filter(pk=held.pk).exists()


def test_the_security_admins_navigation_offers_account_administration(world, client_for):
    keys = {i["key"] for i in client_for(world.secadmin).get(reverse("home")).context["nav_items"]}
    assert "users" in keys
    for who in ("sysadmin", "auditor", "nanxian"):
        keys = {i["key"] for i in client_for(getattr(world, who)).get(reverse("home")).context["nav_items"]}
        assert "users" not in keys
