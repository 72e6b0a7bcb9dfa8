"""Allocations (分配决定), hand-overs (交接) and discrepancies (差异).

An allocation records a decision: who decided, when, on what basis (a request from the recipient,
a directive, a need an institution reported) and for which recipient, the items and quantities.
A hand-over carries goods out of stock to a recipient (a unit in the registry: a hospital, a
checkpoint, a Red Cross society, a community, an institution), usually for an allocation.

Both sides confirm. The sender records what was sent (stock goes down then); the recipient's own
staff record what arrived, line by line, with a photo or the signed receipt. When the counts
differ a discrepancy opens and must be resolved (with what was found) before the hand-over
settles. A hand-over is never edited: a correction is a new hand-over replacing it
(models.corrections), and the old one turns SUPERSEDED.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.donations.models.appeals import TEXT_MAX, Appeal
from tongxin.donations.models.catalogue import Item
from tongxin.units.models import Unit


class Basis(models.TextChoices):
    REQUEST = "request", _("受援单位申请")
    DIRECTIVE = "directive", _("上级指令")
    NEED = "need", _("机构上报需求")
    APPEAL = "appeal", _("倡议指定用途")
    OTHER = "other", _("其他")


class Allocation(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("分配单位"), on_delete=models.PROTECT, related_name="allocations")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="allocations")
    recipient = models.ForeignKey(Unit, verbose_name=_("受援单位"), on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("分配依据"), max_length=10, choices=Basis.choices)
    basis_text = models.CharField(_("依据说明"), max_length=TEXT_MAX)
    directive = models.ForeignKey("command.Directive", verbose_name=_("指令"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    decided_by = models.CharField(_("决定人"), max_length=50)
    decided_at = models.DateTimeField(_("决定时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("分配决定")
        verbose_name_plural = _("分配决定")

    def __str__(self) -> str:
        return f"#{self.pk} → {self.recipient_id}"



class AllocationLine(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["allocation_id", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="allocation_line_positive")]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"



class HandoverStatus(models.TextChoices):
    SENT = "sent", _("已发出，待签收")
    RECEIVED = "received", _("已签收")
    DISPUTED = "disputed", _("有差异，待处理")
    SETTLED = "settled", _("差异已处理")
    SUPERSEDED = "superseded", _("已更正")


class Handover(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("交付单位"), on_delete=models.PROTECT, related_name="handovers")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="handovers")
    allocation = models.ForeignKey(Allocation, verbose_name=_("分配决定"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="handovers")
    recipient = models.ForeignKey(Unit, verbose_name=_("受援单位"), on_delete=models.PROTECT,
                                  related_name="handovers_received")
    status = models.CharField(_("状态"), max_length=12, choices=HandoverStatus.choices, default=HandoverStatus.SENT,
                              db_index=True)
    sent_at = models.DateTimeField(_("发出时间"), db_index=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("交付经办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("承运/陪同"), max_length=TEXT_MAX, blank=True, help_text=_("如：社区干部随车送达"))
    note = models.CharField(_("备注"), max_length=TEXT_MAX, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    received_note = models.CharField(_("签收说明"), max_length=TEXT_MAX, blank=True)
    evidence = models.ManyToManyField("core.Attachment", verbose_name=_("签收照片或回执"), blank=True,
                                      related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("交接")
        verbose_name_plural = _("交接")
        indexes = [
            models.Index(fields=["recipient", "status"], name="handover_recipient_idx"),
            models.Index(fields=["appeal", "status"], name="handover_appeal_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.recipient_id}"



class HandoverLine(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    sent = models.DecimalField(_("发出数量"), max_digits=14, decimal_places=2)
    received = models.DecimalField(_("签收数量"), null=True, blank=True, max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["handover_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sent__gt=0), name="handover_line_positive"),
            models.CheckConstraint(condition=models.Q(received__isnull=True) | models.Q(received__gte=0),
                                   name="handover_line_received_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.sent}"



class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已处理")


class Discrepancy(models.Model):
    handover = models.OneToOneField(Handover, on_delete=models.PROTECT, related_name="discrepancy")
    status = models.CharField(_("状态"), max_length=10, choices=DiscrepancyStatus.choices,
                              default=DiscrepancyStatus.OPEN, db_index=True)
    note = models.CharField(_("差异说明"), max_length=TEXT_MAX)
    opened_at = models.DateTimeField(_("发现时间"))
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "handover__unit"

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("交接差异")
        verbose_name_plural = _("交接差异")

    def __str__(self) -> str:
        return f"差异 #{self.pk}"
