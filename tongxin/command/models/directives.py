"""Directives (通知 / 指令) and their delivery to units.

A bureau drafts a directive for its subtree; a leader approves it (签发) and it is issued: one
Delivery per receiving unit, chosen by region, unit kinds and levels. Each delivery has three
separate states (公文处理工作条例 Art. 24): delivered, signed (who, when, as staff or as the duty
officer of the day), fed back (done, with evidence).

A bureau that received a directive forwards it (转发) to its own subtree as a new directive with
`forwarded_from` set and its own requirements; `root` is the directive the chain started from
(itself for an original), so the issuer's board reads every delivery of the chain with one filter.
A revision is a new directive that `replaces` the old one (CAP 1.2's references); `substantive`
says whether units must sign again. Withdrawn and replaced directives keep their deliveries. The
issuer closes (办结) a directive when its work is done: no sign-off or feedback is taken after.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.units.models import Kind, Unit

MAX_TITLE = 200
MAX_BODY = 20000
MAX_FEEDBACK = 5000


class Urgency(models.TextChoices):
    EXTRA = "extra", _("特急")
    URGENT = "urgent", _("加急")
    NORMAL = "normal", _("平急")


class Directive(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("待签发")
        ISSUED = "issued", _("已下发")
        CLOSED = "closed", _("已办结")
        REPLACED = "replaced", _("已修订")
        WITHDRAWN = "withdrawn", _("已撤回")

    issuer = models.ForeignKey(Unit, verbose_name=_("发文单位"), on_delete=models.PROTECT,
                               related_name="directives", limit_choices_to={"kind": Kind.BUREAU})
    region = models.ForeignKey("regions.Region", verbose_name=_("下发范围"), on_delete=models.PROTECT,
                               related_name="+")
    target_kinds = models.JSONField(_("接收单位类型"), default=list, blank=True,
                                    help_text=_("空表示全部类型"))
    target_levels = models.JSONField(_("接收层级"), default=list, blank=True, help_text=_("空表示全部层级"))
    title = models.CharField(_("标题"), max_length=MAX_TITLE)
    doc_number = models.CharField(_("文号"), max_length=50, blank=True, help_text=_("如：湘民发〔2021〕12号"))
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    body = models.TextField(_("正文"), max_length=MAX_BODY)
    attachments = models.ManyToManyField("core.Attachment", verbose_name=_("附件"), blank=True, related_name="+")
    sign_deadline = models.DateTimeField(_("签收时限"))
    feedback_required = models.BooleanField(_("需反馈"), default=False)
    feedback_deadline = models.DateTimeField(_("反馈时限"), null=True, blank=True)
    feedback_request = models.TextField(_("反馈要求"), blank=True)
    response = models.ForeignKey("command.Response", verbose_name=_("应急响应"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="directives")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    forwarded_from = models.ForeignKey("self", verbose_name=_("转发自"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="forwards")
    root = models.ForeignKey("self", verbose_name=_("原始通知"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="chain")
    replaces = models.ForeignKey("self", verbose_name=_("替代"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="revisions")
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    substantive = models.BooleanField(_("实质性修改"), default=True, help_text=_("需各单位重新签收"))
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("拟稿人"), on_delete=models.PROTECT,
                                   related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "issuer"

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("通知指令")
        verbose_name_plural = _("通知指令")
        indexes = [models.Index(fields=["root", "status"], name="directive_root_idx")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One receiving unit's copy of a directive: delivered, signed, fed back, and how it was chased."""

    class SignedAs(models.TextChoices):
        STAFF = "staff", _("本单位人员")
        DUTY = "duty", _("值班人员")

    directive = models.ForeignKey(Directive, verbose_name=_("通知指令"), on_delete=models.PROTECT,
                                  related_name="deliveries")
    root = models.ForeignKey(Directive, verbose_name=_("原始通知"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"), on_delete=models.PROTECT,
                             related_name="deliveries")
    region_code = models.CharField(_("区划代码"), max_length=6)
    delivered_at = models.DateTimeField(_("送达时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    signed_as = models.CharField(_("签收身份"), max_length=10, choices=SignedAs.choices, blank=True)
    fed_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    fed_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反馈人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    feedback = models.TextField(_("反馈内容"), max_length=MAX_FEEDBACK, blank=True)
    feedback_attachments = models.ManyToManyField("core.Attachment", verbose_name=_("反馈附件"), blank=True,
                                                  related_name="+")
    forwarded_as = models.OneToOneField(Directive, verbose_name=_("转发为"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="forwarded_delivery",
                                        help_text=_("本单位收到后转发给下级的通知"))
    last_reminded_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    escalation = models.PositiveSmallIntegerField(_("升级次数"), default=0,
                                                  help_text=_("0 未升级；1 已告知值班领导；2 已告知上级"))

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    scope_unit_region_field = "region_code"

    class Meta:
        ordering = ["region_code", "unit_id"]
        verbose_name = _("送达")
        verbose_name_plural = _("送达")
        constraints = [models.UniqueConstraint(fields=["directive", "unit"], name="delivery_unique")]
        indexes = [models.Index(fields=["root", "region_code"], name="delivery_root_region_idx"),
                   models.Index(fields=["unit", "signed_at"], name="delivery_unit_signed_idx")]

    def __str__(self) -> str:
        return f"{self.directive_id}→{self.unit_id}"
