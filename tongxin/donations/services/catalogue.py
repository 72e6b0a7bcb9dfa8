"""The item catalogue: find or add an item by name, specification and measure; the cash item."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tongxin.accounts.actors import user_of
from tongxin.core.types import Actor
from tongxin.donations.models import Item, ItemKind
from tongxin.donations.models.catalogue import MEASURE_MAX, NAME_MAX, SPEC_MAX

CASH_NAME, CASH_MEASURE = "现金", "元"


def cash_item() -> Item:
    """The one cash item (measured in 元)."""
    item = Item.objects.filter(kind=ItemKind.CASH).first()
    if item is not None:
        return item
    try:
        with transaction.atomic():
            return Item.objects.create(kind=ItemKind.CASH, name=CASH_NAME, measure=CASH_MEASURE)
    except IntegrityError:  # created at the same moment by another writer
        return Item.objects.get(kind=ItemKind.CASH)


def item_for(name: str, specification: str = "", measure: str = "", *, actor: Actor = None,
             field: str = "item") -> Item:
    """The goods item with this name, specification and measure, added to the catalogue if new.
    Whitespace is trimmed; N95 and KN95 stay two items. Refuses (on `field`) an empty name or
    measure and over-long words, and the cash item's name (cash is given as an amount)."""
    name, specification, measure = (" ".join(str(v or "").split()) for v in (name, specification, measure))
    errors: list[str] = []
    if not name:
        errors.append(_("请填写物资名称"))
    elif len(name) > NAME_MAX:
        errors.append(_("物资名称不能超过 %(n)s 个字") % {"n": NAME_MAX})
    if len(specification) > SPEC_MAX:
        errors.append(_("规格型号不能超过 %(n)s 个字") % {"n": SPEC_MAX})
    if not measure:
        errors.append(_("请填写计量单位"))
    elif len(measure) > MEASURE_MAX:
        errors.append(_("计量单位不能超过 %(n)s 个字") % {"n": MEASURE_MAX})
    if name == CASH_NAME:
        errors.append(_("现金请按金额登记，不作为物资"))
    if errors:
        raise ValidationError({field: errors})
    found = Item.objects.filter(name=name, specification=specification, measure=measure).first()
    if found is not None:
        return found
    user = user_of(actor)
    try:
        with transaction.atomic():
            return Item.objects.create(name=name, specification=specification, measure=measure, created_by=user)
    except IntegrityError:
        return Item.objects.get(name=name, specification=specification, measure=measure)
