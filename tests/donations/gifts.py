"""Helpers of the donations part's tests: an association with member enterprises, built through the
services (units and donations)."""

from __future__ import annotations

from decimal import Decimal

from tests.world import IN_SERVICE_FROM, person
from tongxin.donations.models import Valuation
from tongxin.donations.services import donations as services
from tongxin.donations.services.catalogue import cash_item, item_for
from tongxin.units import services as units
from tongxin.units.models import Kind, Role

CODE_JINDIAN = "91430200MA4L0ABCD0"
CODE_OTHER = "91430800MA4L0BCDE0"


def association(world):
    """慈利县乐善 (the world's social organisation) with one member enterprise and a second staff member."""
    member = units.create_unit(None, name="株洲金典装饰工程有限公司", kind=Kind.MEMBER_ENTERPRISE, region_id="430821",
                               member_of=world.leshan, credit_code=CODE_JINDIAN, in_service_from=IN_SERVICE_FROM)
    second = person("leshan-2", world.leshan, Role.SOCIAL_STAFF, "乐善出纳")
    return member, second


def cash(amount) -> dict:
    return {"item": cash_item(), "quantity": Decimal(str(amount))}


def goods(quantity, *, name="口罩", spec="KN95", measure="只", valuation=Valuation.INVOICE, value=None,
          unit_value=None, **kw) -> dict:
    return {"item": item_for(name, spec, measure), "quantity": quantity, "valuation": valuation, "value": value,
            "unit_value": unit_value, **kw}


def enterprise(member) -> dict:
    return {"donor_kind": "enterprise", "donor_enterprise_id": member.pk, "name_public": True, "channel": "bank"}


def give(world, lines, values=None, **kw):
    values = values or {"donor_kind": "person", "donor_name": "王秀英", "donor_phone": "13907441234",
                        "channel": "wechat"}
    return services.record_donation(world.leshan_staff, world.leshan, values, lines, **kw)
