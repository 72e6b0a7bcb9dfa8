"""The directive the 催办 tests chase: 南县民政局's urgent notice to its two homes, made directly as
rows (the issuing services belong to another part), with the people each home has."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tongxin.accounts.services import create_user
from tongxin.command.models import Delivery, Directive, DutyRole, DutyShift, Urgency
from tongxin.units.models import Role
from tongxin.units.services import grant_role

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2021, 7, 26)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """A Beijing-time moment (the clock users read)."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def member(username, unit, role):
    user = create_user(None, username=username, password="x" * 12, check_password=False)
    grant_role(None, user, unit, role)
    return user


def issue(world, *, issuer=None, units=None, sign_deadline=None, feedback_deadline=None, issued_at=None,
          title="关于开展拉网式隐患大排查行动的紧急通知"):
    """An issued directive with one delivery per unit (default: 南县's two homes)."""
    issuer = issuer or world.nanxian_bureau
    issued_at = issued_at or at(DAY, 9)
    directive = Directive.objects.create(
        issuer=issuer, region_id=issuer.region_id, title=title, doc_number="南民发〔2021〕7号", urgency=Urgency.EXTRA,
        body="立即开展隐患排查。", sign_deadline=sign_deadline or at(DAY, 12),
        feedback_required=feedback_deadline is not None, feedback_deadline=feedback_deadline,
        feedback_request="报送排查情况" if feedback_deadline else "", status=Directive.Status.ISSUED,
        drafted_by=world.nanxian, approved_by=world.nanxian, approved_at=issued_at, issued_at=issued_at)
    directive.root = directive
    directive.save(update_fields=["root"])
    for unit in units or [world.nanxian_home, world.nanxian_home_2]:
        Delivery.objects.create(directive=directive, root=directive, unit=unit, region_code=unit.region_id,
                                delivered_at=issued_at)
    return directive


def leader_on_duty(world, unit, user, day=DAY):
    """`user` leads `unit`'s duty all of `day` (local)."""
    return DutyShift.objects.create(unit=unit, day=day, role=DutyRole.LEADER, user=user, name=user.get_full_name() or
                                    user.get_username(), phone="13807370000", shift="全天",
                                    starts_at=at(day, 0), ends_at=at(day, 0) + dt.timedelta(days=1),
                                    created_by=world.nanxian)


def sign(delivery, user, when):
    Delivery.objects.filter(pk=delivery.pk).update(signed_at=when, signed_by=user, signed_as="staff")


__all__ = ["DAY", "TZ", "Role", "_chinese", "at", "issue", "leader_on_duty", "member", "sign"]


@pytest.fixture(autouse=True)
def _chinese():
    """The services speak the active language; another module's English page may have left it on."""
    with translation.override("zh-hans"):
        yield
