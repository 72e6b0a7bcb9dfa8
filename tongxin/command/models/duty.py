"""Duty rosters (值班表): who is on duty where and when — the leader on duty and the staff on duty
of a bureau or an institution, per day and shift — and their check-ins (到岗签到).

A shift belongs to a unit and a local day, runs from `starts_at` to `ends_at` (which may pass
midnight), and names a person: by account where the person has one (only they may check in for
it), else by name. A check-in is a tap — its time and who tapped — with no photo and no location;
it is asked for only while a response is in force over the unit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.core.validators import validate_phone
from tongxin.units.models import Unit


class DutyRole(models.TextChoices):
    LEADER = "leader", _("带班领导")
    STAFF = "staff", _("值班人员")


class DutyShift(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"), on_delete=models.PROTECT,
                             related_name="duty_shifts")
    day = models.DateField(_("值班日期"))
    role = models.CharField(_("值班角色"), max_length=10, choices=DutyRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="duty_shifts")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    shift = models.CharField(_("班次"), max_length=20, blank=True, help_text=_("如：白班、夜班、全天"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    notified_at = models.DateTimeField(_("签到提醒时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["day", "unit_id", "role", "starts_at"]
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        indexes = [models.Index(fields=["unit", "day"], name="duty_unit_day_idx"),
                   models.Index(fields=["starts_at", "ends_at"], name="duty_time_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="duty_shift_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.unit} {self.day} {self.get_role_display()} {self.name}"


class CheckIn(models.Model):
    shift = models.OneToOneField(DutyShift, verbose_name=_("值班安排"), on_delete=models.PROTECT,
                                 related_name="check_in")
    at = models.DateTimeField(_("签到时间"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签到人"), on_delete=models.PROTECT,
                             related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "shift__unit"

    class Meta:
        ordering = ["-at"]
        verbose_name = _("到岗签到")
        verbose_name_plural = _("到岗签到")

    def __str__(self) -> str:
        return f"{self.shift} {self.at:%H:%M}"
