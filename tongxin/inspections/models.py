"""Inspections (隐患排查): checklist templates and their versions, campaigns, supervision teams,
inspections with their item-by-item answers, and the findings an inspector confirms before
they go onto the ledger.

A checklist version is immutable (like a report form version): an inspection keeps the
version it was answered against. A supervisory inspection belongs to a team that may include
people from several bodies and visits several units over several days; each visit is one
Inspection of one unit.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.core.versioning import DefinitionVersion, VersionedDefinition
from tongxin.units.models import Kind, Unit


class ChecklistTemplate(VersionedDefinition):
    class Meta(VersionedDefinition.Meta):
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")

    def latest_version(self) -> "ChecklistVersion | None":
        return self.versions.order_by("-number").first()


class ChecklistVersion(DefinitionVersion):
    template = models.ForeignKey(ChecklistTemplate, verbose_name=pgettext_lazy("checklist", "检查表"),
                                 on_delete=models.PROTECT, related_name="versions")

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="checklist_version_unique")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    def items(self) -> list[dict]:
        """Every item, each with its section's title under "section"."""
        return [{**item, "section": s.get("title", "")} for s in self.definition.get("sections", [])
                for item in s.get("items", [])]

    def item(self, key: str) -> dict | None:
        return next((i for i in self.items() if i["key"] == key), None)


class Campaign(models.Model):
    """专项行动: a bureau asks its subtree to self-inspect by a deadline and sets a supervision target."""

    name = models.CharField(_("名称"), max_length=100)
    issuer = models.ForeignKey(Unit, verbose_name=_("发起单位"), on_delete=models.PROTECT, related_name="campaigns",
                               limit_choices_to={"kind": Kind.BUREAU})
    region = models.ForeignKey("regions.Region", verbose_name=_("范围"), on_delete=models.PROTECT)
    templates = models.ManyToManyField(ChecklistTemplate, verbose_name=_("检查表"))
    unit_kinds = models.JSONField(_("检查单位类型"), default=list, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    self_inspection_deadline = models.DateField(_("自查截止日期"))
    supervision_target = models.PositiveSmallIntegerField(_("督导覆盖目标（%）"), default=100)
    description = models.TextField(_("要求"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "issuer"
    scope_reach_field = "region_id"  # also seen where it is aimed: at or above the user's area

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = pgettext_lazy("campaign", "专项行动")
        verbose_name_plural = _("专项行动")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """督导组: led by a bureau, with members from several bodies, visiting several units over dates."""

    name = models.CharField(_("名称"), max_length=100)
    bureau = models.ForeignKey(Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="teams")
    campaign = models.ForeignKey(Campaign, verbose_name=pgettext_lazy("campaign", "专项行动"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="teams")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("成员"), related_name="teams")
    outside_members = models.TextField(_("其他成员"), blank=True,
                                       help_text=_("每行一人，如：县纪委监委驻县财政局纪检监察组 张三"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "bureau"

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("督导组")
        verbose_name_plural = _("督导组")

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    class Kind(models.TextChoices):
        SELF = "self", _("自查")
        SUPERVISION = "supervision", _("督导检查")

    class Status(models.TextChoices):
        DRAFT = "draft", _("检查中")
        FINISHED = "finished", _("已完成")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("被检查单位"), on_delete=models.PROTECT, related_name="inspections")
    campaign = models.ForeignKey(Campaign, verbose_name=pgettext_lazy("campaign", "专项行动"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="inspections")
    team = models.ForeignKey(Team, verbose_name=_("督导组"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="inspections")
    version = models.ForeignKey(ChecklistVersion, verbose_name=_("检查表版本"), on_delete=models.PROTECT)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT,
                                  related_name="inspections")
    day = models.DateField(_("检查日期"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("检查意见"), blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    n_items: int  # set by the list page on the inspections it shows: the items of their checklist

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        indexes = [models.Index(fields=["campaign", "kind", "status"], name="inspection_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.day} {self.get_kind_display()}"


class Answer(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("符合")
        FAIL = "fail", _("不符合")
        NA = "na", _("不适用")

    inspection = models.ForeignKey(Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="answers")
    item_key = models.CharField(_("检查项"), max_length=50)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    value = models.CharField(_("填写值"), max_length=500, blank=True)
    note = models.TextField(_("说明"), blank=True)
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    answered_at = models.DateTimeField(_("填写时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "item_key"], name="answer_unique")]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item_key}={self.result}"


class Finding(models.Model):
    """A failed item as the inspector will put it on the ledger; merged or dropped before finishing."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("检查"), on_delete=models.CASCADE,
                                   related_name="findings")
    item_keys = models.JSONField(_("检查项"), default=list)
    description = models.TextField(_("问题描述"))
    severity = models.CharField(_("严重程度"), max_length=20)
    category = models.CharField(_("类别"), max_length=20)
    required_measure = models.TextField(_("整改措施"), blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    fixed_on_spot = models.BooleanField(_("立查立改"), default=False)
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    dropped = models.BooleanField(_("已删除"), default=False)
    merged_into = models.ForeignKey("self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged")
    entry = models.OneToOneField("ledger.LedgerEntry", verbose_name=_("台账"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="finding")

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "inspection__unit"

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:40]
