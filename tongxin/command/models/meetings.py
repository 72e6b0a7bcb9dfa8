"""Dispatch meetings (调度会) and their action items (督办事项).

A bureau convenes a meeting (video or on site) at a time, summons units of its own subtree and
records their attendance (出席 / 缺席 / 请假, with who attended), its agenda, minutes and
decisions. Each decision is an action item with the ICS 233 open-action columns — number,
description, owner unit(s), start, status, target date, actual date — assigned to one or more
units; each owner unit's progress is its own `ActionAssignment`, which lives on the shared
workflow (`command.services.meetings.WORKFLOW`): progress and completion reported by the unit,
accepted or returned by the convener's officers. Every step is an `ActionEvent` (who, when,
comment, evidence). An assignment not accepted by its target date is overdue: computed against
the local date when read, never stored.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.units.models import Kind, Unit

MAX_TITLE = 200
MAX_TEXT = 20000
MAX_DECISION = 2000
MAX_NAMES = 200
MAX_COMMENT = 2000


class Mode(models.TextChoices):
    VIDEO = "video", _("视频")
    ONSITE = "onsite", _("现场")


class Meeting(models.Model):
    convener = models.ForeignKey(Unit, verbose_name=_("召集单位"), on_delete=models.PROTECT, related_name="meetings",
                                 limit_choices_to={"kind": Kind.BUREAU})
    title = models.CharField(_("会议名称"), max_length=MAX_TITLE)
    starts_at = models.DateTimeField(_("会议时间"))
    mode = models.CharField(_("会议形式"), max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    place = models.CharField(_("地点或会议链接"), max_length=200, blank=True)
    agenda = models.TextField(_("议程"), max_length=MAX_TEXT, blank=True)
    minutes = models.TextField(_("会议纪要"), max_length=MAX_TEXT, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "convener"

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("调度会")
        verbose_name_plural = _("调度会")
        indexes = [models.Index(fields=["convener", "starts_at"], name="meeting_convener_idx")]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A unit summoned to a meeting, and whether it came (blank until recorded)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        ABSENT = "absent", _("缺席")
        LEAVE = "leave", _("请假")

    meeting = models.ForeignKey(Meeting, verbose_name=_("调度会"), on_delete=models.CASCADE,
                                related_name="attendances")
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"), on_delete=models.PROTECT,
                             related_name="meeting_attendances")
    status = models.CharField(_("出席情况"), max_length=10, choices=Status.choices, blank=True)
    attendees = models.CharField(_("参会人员"), max_length=MAX_NAMES, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["meeting", "unit__region_id", "unit_id"]
        verbose_name = _("参会单位")
        verbose_name_plural = _("参会单位")
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.unit_id}"


class ActionItem(models.Model):
    """One decision of a meeting, to be carried out by its owner units (ICS 233 row)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("调度会"), on_delete=models.PROTECT,
                                related_name="action_items")
    number = models.PositiveSmallIntegerField(_("编号"))
    description = models.TextField(_("督办事项"), max_length=MAX_DECISION)
    start = models.DateField(_("开始日期"))
    target_date = models.DateField(_("完成时限"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "meeting__convener"

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="action_item_number_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}-{self.number}"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    AWAITING = "awaiting", _("待验收")
    DONE = "done", _("已办结")
    RETURNED = "returned", _("已退回")


class ActionAssignment(models.Model):
    """One owner unit's share of an action item, with its own progress."""

    item = models.ForeignKey(ActionItem, verbose_name=_("督办事项"), on_delete=models.PROTECT,
                             related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT,
                             related_name="action_assignments")
    region_code = models.CharField(_("区划代码"), max_length=6)
    status = models.CharField(_("办理状态"), max_length=20, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    target_date = models.DateField(_("完成时限"))
    progress = models.TextField(_("最新进展"), max_length=MAX_COMMENT, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("报告完成时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("验收人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("交办时间"))

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    scope_unit_region_field = "region_code"
    late_days: int  # set by the pages on the rows they show (queries.overdue_days)

    class Meta:
        ordering = ["item", "region_code", "unit_id"]
        verbose_name = _("承办任务")
        verbose_name_plural = _("承办任务")
        constraints = [models.UniqueConstraint(fields=["item", "unit"], name="action_assignment_unique")]
        indexes = [models.Index(fields=["region_code", "status", "target_date"], name="action_region_status_idx")]

    def __str__(self) -> str:
        return f"{self.item} → {self.unit_id}"


class ActionEvent(models.Model):
    """One step in an assignment's life: who, when, comment, evidence."""

    assignment = models.ForeignKey(ActionAssignment, verbose_name=_("承办任务"), on_delete=models.CASCADE,
                                   related_name="events")
    name = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    comment = models.TextField(_("说明"), max_length=MAX_COMMENT, blank=True)
    attachments = models.ManyToManyField("core.Attachment", verbose_name=_("证明材料"), blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "assignment__unit"
    label: str
    to_label: str

    class Meta:
        ordering = ["assignment", "at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.name}"


class ActionNotice(models.Model):
    """That an assignment's unit was told, on `day` (local), that it is due soon or overdue (once a day)."""

    assignment = models.ForeignKey(ActionAssignment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    day = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "kind", "day"], name="action_notice_unique")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind} {self.day}"
