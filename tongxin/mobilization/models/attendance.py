"""Attendance (到岗/离岗): when a person on a shift checked in and out, and how — with the post's
daily code, by the post leader's roll, or closed by the system at the shift's end because the
check-out was forgotten. No location is ever taken.

`hours` is what the time at the post credits (services.attendance computes it once the
attendance is closed); `flags` are the anomalies the organisation's staff review (Flag). A flagged
attendance is credited only up to the shift's end; a forgotten check-out credits 0 hours until the
staff's review confirms the hours (services.checkin.review).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.mobilization.models.posts import Assignment


class Method(models.TextChoices):
    CODE = "code", _("扫码/签到码")
    ROLL = "roll", _("负责人点名确认")
    AUTO = "auto", _("班次结束自动签退")


class Flag(models.TextChoices):
    FORGOT_CHECKOUT = "forgot_checkout", _("未签退")
    OVER_12_HOURS = "over_12_hours", _("超过 12 小时")
    OVERLAP = "overlap", _("与其他岗位时间重叠")
    OUTSIDE_SHIFT = "outside_shift", _("在班次时间之外")


class Attendance(models.Model):
    assignment = models.OneToOneField(Assignment, verbose_name=_("排班"), on_delete=models.PROTECT,
                                      related_name="attendance")
    checked_in_at = models.DateTimeField(_("到岗时间"))
    check_in_method = models.CharField(_("到岗方式"), max_length=10, choices=Method.choices)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("点名人"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    checked_out_at = models.DateTimeField(_("离岗时间"), null=True, blank=True)
    check_out_method = models.CharField(_("离岗方式"), max_length=10, choices=Method.choices, blank=True)
    checked_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=2, null=True, blank=True)
    flags = models.JSONField(_("异常"), default=list, blank=True)  # Flag values
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_note = models.CharField(_("复核说明"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "assignment__shift__post__unit"

    class Meta:
        ordering = ["checked_in_at", "id"]
        verbose_name = _("到岗记录")
        verbose_name_plural = _("到岗记录")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(checked_out_at__isnull=True)
                | models.Q(checked_out_at__gte=models.F("checked_in_at")),
                name="attendance_out_after_in"),
        ]
        indexes = [models.Index(fields=["checked_out_at"], name="attendance_open_idx")]

    def __str__(self) -> str:
        return f"{self.assignment} {self.checked_in_at:%H:%M}"
