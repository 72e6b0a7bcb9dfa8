"""Daily situation reporting (情况报送): forms and their versions, assignments, reports and revisions,
and the roll-ups every overview reads.

A form's definition (fields and cross-field rules) lives in an immutable FormVersion; a report
keeps the version it was filed against. A report is one unit's filing for one assignment and
one day; every filing or correction is a Revision, and the report carries the latest values.
Roll-ups hold, per region (county, city, province), day, assignment and numeric field, the sum
count, lowest and highest over the latest revisions, plus per region and day how many units filed on time and
late; they are kept in the same transaction as the filing (see rollups.py).
"""


from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.core.versioning import DefinitionVersion, VersionedDefinition
from tongxin.units.models import Kind, Unit


class Form(VersionedDefinition):
    class Meta(VersionedDefinition.Meta):
        verbose_name = _("报表")
        verbose_name_plural = _("报表")

    def latest_version(self) -> "FormVersion | None":
        return self.versions.order_by("-number").first()


class FormVersion(DefinitionVersion):
    form = models.ForeignKey(Form, verbose_name=_("报表"), on_delete=models.PROTECT, related_name="versions")

    class Meta:
        ordering = ["form", "-number"]
        verbose_name = _("报表版本")
        verbose_name_plural = _("报表版本")
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="form_version_unique")]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"

    @property
    def fields(self) -> list[dict]:
        return self.definition.get("fields", [])

    @property
    def rules(self) -> list[dict]:
        return self.definition.get("rules", [])

    def numeric_keys(self) -> list[str]:
        """Keys that roll up: whole numbers, decimals and yes/no (counted as 1/0)."""
        return [f["key"] for f in self.fields if f["type"] in ("int", "decimal", "bool")]


class Assignment(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("每日")
        WEEKLY = "weekly", _("每周")

    form = models.ForeignKey(Form, verbose_name=_("报表"), on_delete=models.PROTECT, related_name="assignments")
    name = models.CharField(_("任务名称"), max_length=100)
    issuer = models.ForeignKey(Unit, verbose_name=_("下达单位"), on_delete=models.PROTECT,
                               related_name="issued_assignments", limit_choices_to={"kind": Kind.BUREAU})
    region = models.ForeignKey("regions.Region", verbose_name=_("报送范围"), on_delete=models.PROTECT)
    unit_kinds = models.JSONField(_("报送单位类型"), default=list, blank=True,
                                  help_text=_("留空表示辖区内除民政部门外的所有单位"))
    frequency = models.CharField(_("频次"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.PositiveSmallIntegerField(_("每周报送日"), null=True, blank=True,
                                               help_text=_("0 为周一，6 为周日；仅每周报送时填写"))
    deadline = models.TimeField(_("截止时间"), help_text=_("当日北京时间"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "issuer"
    scope_reach_field = "region_id"  # also seen where it is aimed: at or above the user's area

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("报送任务")
        verbose_name_plural = _("报送任务")

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        EXCEL = "excel", _("Excel 批量")
        SYSTEM = "system", _("系统")

    assignment = models.ForeignKey(Assignment, verbose_name=_("报送任务"), on_delete=models.PROTECT,
                                   related_name="reports")
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"),
                             on_delete=models.PROTECT, related_name="reports")
    day = models.DateField(_("报送日期"))
    form_version = models.ForeignKey(FormVersion, verbose_name=_("报表版本"), on_delete=models.PROTECT)
    values = models.JSONField(_("数据"), default=dict)
    is_zero = models.BooleanField(_("零报告"), default=False)
    is_late = models.BooleanField(_("迟报"), default=False)
    revision_count = models.PositiveIntegerField(_("修订次数"), default=1)
    first_filed_at = models.DateTimeField(_("首次报送时间"))
    updated_at = models.DateTimeField(_("最后修订时间"))

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-day", "unit__name"]
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        constraints = [models.UniqueConstraint(fields=["assignment", "unit", "day"], name="report_unique_per_day")]
        indexes = [models.Index(fields=["assignment", "day"], name="report_assignment_day_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.day}"


REASON_MAX_LENGTH = 200  # a correction's reason (更正原因): the column, the web form and the API


class Revision(models.Model):
    report = models.ForeignKey(Report, verbose_name=_("报告"), on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("修订号"))
    values = models.JSONField(_("数据"))
    is_zero = models.BooleanField(_("零报告"), default=False)
    reason = models.CharField(_("修订原因"), max_length=REASON_MAX_LENGTH, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Report.Source.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name=_("填报人"))
    filed_at = models.DateTimeField(_("报送时间"))

    class Meta:
        ordering = ["report", "number"]
        verbose_name = _("修订")
        verbose_name_plural = _("修订")
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="revision_unique")]

    def __str__(self) -> str:
        return f"{self.report} #{self.number}"


class IdempotencyKey(models.Model):
    """A client's retry of the same submission (same user, same key) returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    report = models.ForeignKey(Report, on_delete=models.CASCADE)
    revision_number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class FieldRollup(models.Model):
    """Sum, count, lowest and highest value of one numeric field over the latest revisions, per region,
    day and assignment: every aggregate a form may declare (sum, average = total / count, min, max)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=6)
    day = models.DateField()
    key = models.CharField(max_length=50)
    total = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    count = models.PositiveIntegerField(default=0)
    lowest = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)  # None when count is 0
    highest = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "region_code", "day", "key"],
                                               name="field_rollup_unique")]
        indexes = [models.Index(fields=["assignment", "region_code", "key", "day"], name="field_rollup_trend_idx")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.key}"


class FilingRollup(models.Model):
    """How many units of a region filed on time and late for an assignment and day."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=6)
    day = models.DateField()
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    zero = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "region_code", "day"],
                                               name="filing_rollup_unique")]
        indexes = [models.Index(fields=["assignment", "day", "region_code"], name="filing_rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day}"


class Reminder(models.Model):
    """One 催报 sent to one unit for one assignment and day: who sent it and when.

    What the overview's confirmation shows ("last reminded at 09:12") and what keeps a reminder
    from repeating within `services.reminder_window()` (`services.remind_missing`). Append-only; read only by the
    reporting module's queries and services.
    """


    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        indexes = [models.Index(fields=["assignment", "day", "unit", "sent_at"], name="reminder_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.day} {self.unit_id} {self.sent_at:%H:%M}"
