"""Allocation decisions (分配决定): who decided, on what basis, for whom, which items and quantities.

Guarantees of `decide`:
- only staff who may file for the organisation (scope.FILE: its own staff, or an officer above);
- the recipient is one of `queries.stock.recipients_for(unit)` (active units in the registry within
  the organisation's region subtree, never itself); another is refused as outside scope;
- a basis from the list with its words; a DIRECTIVE basis may name a command directive delivered to
  the organisation (another is refused);
- each line allocates at most what is in stock less what is allocated but not yet handed over
  (queries.stock.unallocated), and at most 100,000,000; Stock.allocated moves through stock.move;
- one transaction, audited; nothing half-saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.actors import user_of
from tongxin.command.models import Directive
from tongxin.core import audit
from tongxin.core.types import Actor
from tongxin.donations.models import Allocation, AllocationLine, Appeal, Basis, Item
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.donations.queries import stock as stock_queries
from tongxin.donations.services import stock
from tongxin.units import scope
from tongxin.units.models import Unit

DECIDED_BY_MAX = 50


def _text(errors: dict[str, list[str]], field: str, value: Any, limit: int, missing: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        errors[field] = [missing]
    elif len(text) > limit:
        errors[field] = [_("不能超过 %(limit)s 字（现有 %(length)s 字）") % {"limit": limit, "length": len(text)}]
    return text


@transaction.atomic
def decide(actor: Actor, unit: Unit, *, appeal: Appeal | None, recipient: Unit | None, basis: str, basis_text: str,
           decided_by: str, decided_at: dt.datetime | None, lines: Sequence[dict[str, Any]],
           directive: Directive | None = None) -> Allocation:
    """Record an allocation decision and move Stock.allocated for each line (see the module docstring)."""
    scope.require(actor, unit, scope.FILE, _("您的角色不能为该单位作分配决定"))
    errors: dict[str, list[str]] = {}
    if recipient is None:
        errors["recipient"] = [_("请选择受援单位")]
    elif not stock_queries.recipients_for(unit).filter(pk=recipient.pk).exists():
        errors["recipient"] = [_("受援单位“%(name)s”不在本单位的服务范围内（须为本辖区登记在册的单位）")
                               % {"name": recipient.name}]
    if basis not in Basis.values:
        errors["basis"] = [_("请选择分配依据")]
    basis_text = _text(errors, "basis_text", basis_text, TEXT_MAX,
                       _("请说明分配依据（如：渌口区人民医院 8 月 1 日来函）"))
    decided_by = _text(errors, "decided_by", decided_by, DECIDED_BY_MAX, _("请填写决定人"))
    if decided_at is None:
        errors["decided_at"] = [_("请填写决定时间")]
    elif decided_at > timezone.now() + dt.timedelta(minutes=5):
        errors["decided_at"] = [_("决定时间不能晚于现在")]
    if directive is not None:
        if basis != Basis.DIRECTIVE:
            errors["directive"] = [_("只有依据为“上级指令”时才能关联指令")]
        elif not stock_queries.received_directives(unit).filter(pk=directive.pk).exists():
            errors["directive"] = [_("该指令未下发给本单位")]
    if appeal is not None and appeal.unit_id != unit.pk and not appeal.issuer_rows.filter(unit=unit).exists():
        errors["appeal"] = [_("该倡议不是本单位发起或参与的")]
    cleaned: list[tuple[Item, Decimal]] = []
    for n, item, q in stock.clean_lines(errors, lines):
        free = stock_queries.unallocated(unit, appeal, item)
        if q > free:
            errors.setdefault("lines", []).append(
                _("第 %(n)s 行：%(item)s可分配数量不足：库存减去已分配未交接后还有 %(free)s%(measure)s，"
                  "本次分配 %(need)s%(measure)s")
                % {"n": n, "item": item, "free": stock._number(max(free, Decimal(0))), "measure": item.measure,
                   "need": stock._number(q)})
            continue
        cleaned.append((item, q))
    if errors:
        raise ValidationError(errors)
    assert recipient is not None and decided_at is not None
    allocation = Allocation.objects.create(unit=unit, appeal=appeal, recipient=recipient, basis=basis,
                                           basis_text=basis_text, directive=directive, decided_by=decided_by,
                                           decided_at=decided_at, created_by=user_of(actor))
    for item, q in cleaned:
        AllocationLine.objects.create(allocation=allocation, item=item, quantity=q)
        row = stock.move(unit, appeal, item, allocated=q, field="lines")
        # re-checked under the row lock: two decisions at once never allocate more than there is
        if q > row.quantity - max(Decimal(0), row.allocated - q - row.handed_over):
            raise ValidationError({"lines": [_("%(item)s可分配数量不足，请刷新后重试") % {"item": item}]})
    audit.record_change(actor, allocation, None, unit=unit)
    return allocation
