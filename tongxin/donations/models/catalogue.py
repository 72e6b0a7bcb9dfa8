"""The catalogue of what can be given: an item is a name, a specification and a unit of measure.

N95 and KN95 masks are two items, not one item with a note: everything downstream (stock,
allocation, the public tables) is counted per item, so a specification can never be lost on the
way. Cash is one item too (kind CASH, measured in 元), so that money and goods go through the same
arithmetic; `services.catalogue.cash_item()` returns it.

The catalogue is shared by every organisation and is not scoped: it holds no one's data.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX = 60
SPEC_MAX = 60
MEASURE_MAX = 10


class ItemKind(models.TextChoices):
    CASH = "cash", _("现金")
    GOODS = "goods", _("物资")


class Item(models.Model):
    name = models.CharField(_("物资名称"), max_length=NAME_MAX)
    specification = models.CharField(_("规格型号"), max_length=SPEC_MAX, blank=True)
    measure = models.CharField(_("计量单位"), max_length=MEASURE_MAX)
    kind = models.CharField(_("类别"), max_length=10, choices=ItemKind.choices, default=ItemKind.GOODS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "specification", "id"]
        verbose_name = _("物资品类")
        verbose_name_plural = _("物资品类")
        constraints = [
            models.UniqueConstraint(fields=["name", "specification", "measure"], name="donation_item_unique"),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(kind="cash"), name="donation_one_cash_item"),
        ]

    def __str__(self) -> str:
        spec = f"（{self.specification}）" if self.specification else ""
        return f"{self.name}{spec}"

    @property
    def is_cash(self) -> bool:
        return self.kind == ItemKind.CASH
