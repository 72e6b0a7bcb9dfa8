"""Donations received (接收捐赠), their lines, and the receipt numbering.

A donation is what one donor gives one organisation (`unit`), under an appeal or outside any. The
donor is an enterprise (picked from the association's member enterprises when it is one, with its
credit code), a person, or anonymous at the donor's wish; `name_public` is the donor's consent to
publish the name (慈善法 Art. 82) — without it the public site says 爱心企业 / 爱心人士.

It starts PLEDGED (认捐) or straight RECEIVED (已接收). On receipt it is frozen: its lines, their
quantities and their values (frozen at receipt: an item's later price never moves a past figure)
are never edited. A mistake is corrected by a new donation that replaces it (models.corrections:
Correction), and the old one turns SUPERSEDED. Only RECEIVED donations count in stock and totals.

Each line is one item (cash is the cash item, its quantity the amount in 元) with its valuation:
from an invoice or a customs declaration, at fair value (with who approved the estimate), or not
valued. `value` = quantity × unit value when both are given.

A received donation gets a receipt (捐赠票据, 慈善法 Art. 38): `receipt_number`, numbered per
organisation and year, and a `lookup_code` printed on it with which the donor finds, on the public
site, where the gift went.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.donations.models.appeals import TEXT_MAX, Appeal
from tongxin.donations.models.catalogue import Item
from tongxin.units.models import Unit

NAME_MAX = 100



class DonorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业或单位")
    PERSON = "person", _("个人")
    ANONYMOUS = "anonymous", _("匿名")


class DonationStatus(models.TextChoices):
    PLEDGED = "pledged", _("已认捐")
    RECEIVED = "received", _("已接收")
    WITHDRAWN = "withdrawn", _("认捐撤回")
    SUPERSEDED = "superseded", _("已更正")


class Channel(models.TextChoices):
    BANK = "bank", _("银行转账")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")
    CASH = "cash", _("现金")
    OTHER = "other", _("其他")


class Valuation(models.TextChoices):
    CASH = "cash", _("现金")
    INVOICE = "invoice", _("发票")
    CUSTOMS = "customs", _("报关单")
    FAIR_VALUE = "fair_value", _("公允价值估算")
    NOT_VALUED = "not_valued", _("未估值")


class Donation(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("受赠单位"), on_delete=models.PROTECT, related_name="donations")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="donations")
    donor_kind = models.CharField(_("捐赠方类型"), max_length=12, choices=DonorKind.choices)
    donor_name = models.CharField(_("捐赠方"), max_length=NAME_MAX, blank=True)
    donor_enterprise = models.ForeignKey(Unit, verbose_name=_("会员企业"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="gifts")
    donor_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    donor_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    name_public = models.BooleanField(_("同意公开名称"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=DonationStatus.choices, db_index=True)
    pledged_at = models.DateTimeField(_("认捐时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True, db_index=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经手人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("捐款渠道"), max_length=10, choices=Channel.choices, blank=True)
    reference = models.CharField(_("交易流水号"), max_length=60, blank=True)
    receipt_number = models.CharField(_("捐赠票据号"), max_length=30, null=True, blank=True, unique=True)
    lookup_code = models.CharField(_("查询码"), max_length=12, blank=True, editable=False)
    note = models.CharField(_("备注"), max_length=TEXT_MAX, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    personal_fields = {"donor_phone": "phone"}  # masked in the audit trail (core.audit)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        indexes = [
            models.Index(fields=["unit", "status", "received_at"], name="donation_unit_status_idx"),
            models.Index(fields=["appeal", "status"], name="donation_appeal_status_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"#{self.pk}"


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=2)
    expiry_date = models.DateField(_("有效期至"), null=True, blank=True)
    lot = models.CharField(_("批号"), max_length=40, blank=True)
    valuation = models.CharField(_("估值依据"), max_length=12, choices=Valuation.choices)
    unit_value = models.DecimalField(_("单价（元）"), null=True, blank=True, max_digits=14, decimal_places=2)
    value = models.DecimalField(_("价值（元）"), null=True, blank=True, max_digits=14, decimal_places=2)
    valuation_note = models.CharField(_("估值说明"), max_length=TEXT_MAX, blank=True)
    valuation_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("估值审核人"), null=True,
                                              blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["donation_id", "id"]
        verbose_name = _("捐赠明细")
        verbose_name_plural = _("捐赠明细")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="donation_line_positive"),
            models.CheckConstraint(condition=models.Q(value__isnull=True) | models.Q(value__gte=0),
                                   name="donation_line_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"



class ReceiptCounter(models.Model):
    """The last receipt number an organisation issued in a year (services.receipts locks the row)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="receipt_counter_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.last}"
