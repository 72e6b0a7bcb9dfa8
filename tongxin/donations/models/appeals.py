"""Appeals (倡议 / 募捐) and their disclosures (公示).

An appeal is issued by one organisation or jointly by several (`issuers`, in the order they sign;
`unit` is the lead issuer and the appeal's scope anchor). It says what it asks for (`needs`: items
and quantities), where to give, whom the gifts are for, its filing number (备案编号) when it has one,
and its disclosure clock (慈善法 Art. 72/79): every 5 days while an emergency response is in force,
every 3 months otherwise, and a full disclosure within 3 months after the appeal ends.

A disclosure is one organisation's statement, at one moment, of what the appeal (or the
organisation's gifts outside any appeal) has received and handed over up to `period_end`; its
`figures` are frozen at publication, so a past disclosure never changes. The clock reads the last
disclosure (queries.appeals.clock).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.donations.models.catalogue import Item
from tongxin.units.models import Unit

TITLE_MAX = 120
TEXT_MAX = 200


class Clock(models.TextChoices):
    RESPONSE = "response", _("应急响应期间：每 5 日公开一次")
    QUARTERLY = "quarterly", _("每 3 个月公开一次")


class AppealStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("募集中")
    CLOSED = "closed", _("已结束")


class Appeal(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("牵头发起单位"), on_delete=models.PROTECT,
                             related_name="appeals")
    issuers = models.ManyToManyField(Unit, verbose_name=_("发起单位"), through="AppealIssuer",
                                     related_name="joint_appeals")
    title = models.CharField(_("标题"), max_length=TITLE_MAX)
    text = models.TextField(_("倡议内容"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    beneficiary = models.CharField(_("受益对象"), max_length=TEXT_MAX)
    how_to_give = models.TextField(_("捐赠方式"), help_text=_("收款账户、物资接收地点和联系人"))
    filing_number = models.CharField(_("备案编号"), max_length=60, blank=True)
    clock = models.CharField(_("公开频次"), max_length=12, choices=Clock.choices, default=Clock.RESPONSE)
    status = models.CharField(_("状态"), max_length=12, choices=AppealStatus.choices, default=AppealStatus.DRAFT,
                              db_index=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("募捐倡议")
        verbose_name_plural = _("募捐倡议")

    def __str__(self) -> str:
        return self.title


class AppealIssuer(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="issuer_rows")
    unit = models.ForeignKey(Unit, verbose_name=_("发起单位"), on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["appeal_id", "order", "id"]
        verbose_name = _("发起单位")
        verbose_name_plural = _("发起单位")
        constraints = [models.UniqueConstraint(fields=["appeal", "unit"], name="appeal_issuer_unique")]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.unit_id}"



class AppealNeed(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="needs")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("需求数量"), max_digits=14, decimal_places=2)
    note = models.CharField(_("说明"), max_length=TEXT_MAX, blank=True)

    class Meta:
        ordering = ["appeal_id", "id"]
        verbose_name = _("需求物资")
        verbose_name_plural = _("需求物资")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "item"], name="appeal_need_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="appeal_need_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"



class Disclosure(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("公开单位"), on_delete=models.PROTECT, related_name="disclosures")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="disclosures")
    period_end = models.DateTimeField(_("统计截至"))
    is_final = models.BooleanField(_("结束后全面公开"), default=False)
    figures = models.JSONField(_("公开数据"), default=dict, editable=False)  # frozen at publication
    note = models.TextField(_("说明"), blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("信息公开")
        verbose_name_plural = _("信息公开")
        indexes = [models.Index(fields=["appeal", "unit", "published_at"], name="disclosure_clock_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.published_at:%Y-%m-%d}"
