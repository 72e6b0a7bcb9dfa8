"""The daily roll-up the bureaus' overview reads: one row per unit running posts (or reporting
activities), region and local day — the region of the post (a province association's checkpoint
in 慈利县 counts in 慈利县) or, for activity reports, the unit's own — kept in the transaction of
every write that changes it (services.rollup.refresh) and rebuilt from scratch (services.rollup.rebuild).

A region's figures are sums of its units' rows: people deployed (distinct people checked in that
day), hours credited, shifts and posts and how many were left unfilled, and the people the
unit's activity reports counted. "Organisations taking part" is the number of rows with someone
deployed or reported.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.units.models import Unit


class DeploymentDay(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"), on_delete=models.PROTECT,
                             related_name="+")
    region_code = models.CharField(_("所在区划"), max_length=6)
    day = models.DateField(_("日期"))
    people = models.PositiveIntegerField(_("到岗人数"), default=0)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=9, decimal_places=2, default=0)
    shifts = models.PositiveIntegerField(_("班次数"), default=0)
    shifts_unfilled = models.PositiveIntegerField(_("未排满班次"), default=0)
    posts = models.PositiveIntegerField(_("岗位数"), default=0)
    posts_unfilled = models.PositiveIntegerField(_("未排满岗位"), default=0)
    reported_people = models.PositiveIntegerField(_("活动报告人数"), default=0)
    activity_reports = models.PositiveIntegerField(_("活动报告数"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    scope_unit_region_field = "region_code"

    class Meta:
        ordering = ["day", "region_code", "unit_id"]
        verbose_name = _("调度日汇总")
        verbose_name_plural = _("调度日汇总")
        constraints = [models.UniqueConstraint(fields=["unit", "region_code", "day"], name="deployment_day_unique")]
        indexes = [models.Index(fields=["region_code", "day"], name="deployment_region_day_idx"),
                   models.Index(fields=["day", "region_code"], name="deployment_day_region_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"
