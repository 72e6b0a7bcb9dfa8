"""Stock (库存) and its adjustments (调整).

`Stock` is the roll-up every screen and the public site read: one row per (organisation, appeal or
none, item) holding what was received (current RECEIVED donations), allocated (decided), handed
over (sent), adjusted (approved adjustments, signed) and what is left:

    quantity = received − handed_over + adjusted          (never below zero: a check constraint)

Goods given under an appeal stay that appeal's stock: they are handed over for its purpose. The
row is kept in the same transaction as the write that moves it (services.stock.move, which locks
the row), and `services.stock.rebuild()` recomputes every row from the records; a property test
holds the two equal.

An adjustment is for damaged, expired or recounted goods: a signed quantity with a reason, asked
for by one person and approved by a second (never the same person). Only approved adjustments
move stock.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.donations.models.appeals import TEXT_MAX, Appeal
from tongxin.donations.models.catalogue import Item
from tongxin.units.models import Unit


class Stock(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    received = models.DecimalField(_("接收数量"), default=0, max_digits=14, decimal_places=2)
    received_value = models.DecimalField(_("接收价值（元）"), default=0, max_digits=14, decimal_places=2)
    allocated = models.DecimalField(_("已分配"), default=0, max_digits=14, decimal_places=2)
    handed_over = models.DecimalField(_("已交接"), default=0, max_digits=14, decimal_places=2)
    adjusted = models.DecimalField(_("调整"), default=0, max_digits=14, decimal_places=2)
    quantity = models.DecimalField(_("库存"), default=0, max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["unit_id", "appeal_id", "item_id"]
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["unit", "appeal", "item"], name="stock_unique_with_appeal"),
            models.UniqueConstraint(fields=["unit", "item"], condition=models.Q(appeal__isnull=True),
                                    name="stock_unique_without_appeal"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.item}: {self.quantity}"



class AdjustmentReason(models.TextChoices):
    DAMAGED = "damaged", _("损毁")
    EXPIRED = "expired", _("过期")
    RECOUNT = "recount", _("盘点差异")
    OTHER = "other", _("其他")


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Adjustment(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("调整数量"), help_text=_("减少填负数，盘盈填正数"),
                                   max_digits=14, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=10, choices=AdjustmentReason.choices)
    note = models.CharField(_("说明"), max_length=TEXT_MAX)
    status = models.CharField(_("状态"), max_length=10, choices=AdjustmentStatus.choices,
                              default=AdjustmentStatus.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=TEXT_MAX, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("库存调整")
        verbose_name_plural = _("库存调整")
        constraints = [models.CheckConstraint(condition=~models.Q(quantity=0), name="adjustment_not_zero")]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity}"
