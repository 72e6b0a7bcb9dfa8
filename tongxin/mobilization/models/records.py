"""Service records (志愿服务记录), activity reports and service-record certificates.

A service record holds what 志愿服务记录与证明出具办法 (民政部令第67号) asks: the activity, its
date, place, content, hours, the organising unit and the person in charge. It comes from a closed
attendance, starts as a draft and becomes final when the
organisation's staff review it — within 10 working days after the activity (`due_by`). A final
record is never edited: a correction, made on request with a reason, is a new record that
`corrects` the old one, and the old one turns SUPERSEDED. Totals read only current records
(DRAFT and FINAL; certificates only FINAL).

An activity report is an organisation's account of work done outside posts: a day, the people
taking part by kind, what they did (and how much: 2,217 meals), and photos.

A certificate (服务记录证明) states a person's final hours with one organisation over a period; its
`code` is checked on the public verification page, which shows only the masked name, hours,
organisation and period.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.mobilization.models.attendance import Attendance
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX, Person
from tongxin.units.models import Unit


class ActivityReport(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("报告单位"), on_delete=models.PROTECT,
                             related_name="activity_reports")
    day = models.DateField(_("活动日期"))
    title = models.CharField(_("活动名称"), max_length=100)
    place = models.CharField(_("地点"), max_length=TEXT_MAX, blank=True)
    content = models.TextField(_("服务内容"))
    social_workers = models.PositiveIntegerField(_("社工人数"), default=0)
    volunteers = models.PositiveIntegerField(_("志愿者人数"), default=0)
    others = models.PositiveIntegerField(_("其他人员人数"), default=0)
    quantity = models.PositiveIntegerField(_("服务数量"), null=True, blank=True)
    measure = models.CharField(_("数量单位"), max_length=20, blank=True, help_text=_("如：份、人次、箱"))
    person_in_charge = models.CharField(_("负责人"), max_length=NAME_MAX, blank=True)
    attachments = models.ManyToManyField("core.Attachment", verbose_name=_("照片"), blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("活动报告")
        verbose_name_plural = _("活动报告")
        indexes = [models.Index(fields=["unit", "day"], name="activity_unit_day_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.day} {self.title}"

    @property
    def people(self) -> int:
        return self.social_workers + self.volunteers + self.others


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    FINAL = "final", _("已确认")
    SUPERSEDED = "superseded", _("已更正")


class ServiceRecord(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("服务人员"), on_delete=models.PROTECT,
                               related_name="service_records")
    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT,
                             related_name="service_records")
    activity = models.CharField(_("活动名称"), max_length=100)
    day = models.DateField(_("服务日期"))
    place = models.CharField(_("地点"), max_length=TEXT_MAX, blank=True)
    content = models.CharField(_("服务内容"), max_length=TEXT_MAX)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=2)
    person_in_charge = models.CharField(_("负责人"), max_length=NAME_MAX, blank=True)
    attendance = models.ForeignKey(Attendance, verbose_name=_("到岗记录"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="service_records")
    status = models.CharField(_("状态"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.DRAFT)
    due_by = models.DateField(_("确认截止日期"))  # 10 working days after `day`
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    corrects = models.OneToOneField("self", verbose_name=_("更正的记录"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="corrected_by")
    correction_reason = models.CharField(_("更正原因"), max_length=TEXT_MAX, blank=True)
    late_reason = models.CharField(_("补录原因"), max_length=TEXT_MAX, blank=True)  # confirmed after due_by
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-day", "person_id", "id"]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        indexes = [models.Index(fields=["person", "day"], name="record_person_day_idx"),
                   models.Index(fields=["unit", "status", "day"], name="record_unit_status_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gte=0), name="record_hours_not_negative"),
            models.UniqueConstraint(fields=["attendance"], condition=~models.Q(status="superseded"),
                                    name="record_one_current_per_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.day} {self.hours}"


class Certificate(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("服务人员"), on_delete=models.PROTECT,
                               related_name="certificates_issued")
    unit = models.ForeignKey(Unit, verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("验证码"), max_length=20, unique=True)
    period_from = models.DateField(_("服务起始日期"))
    period_until = models.DateField(_("服务截止日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=7, decimal_places=2)
    records = models.ManyToManyField(ServiceRecord, verbose_name=_("服务记录"), related_name="certificates")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("出具人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("出具时间"))
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("作废原因"), max_length=TEXT_MAX, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("服务记录证明")
        verbose_name_plural = _("服务记录证明")
        constraints = [models.CheckConstraint(condition=models.Q(period_until__gte=models.F("period_from")),
                                              name="certificate_period_ordered")]

    def __str__(self) -> str:
        return self.code
