"""Posts (卡点 and other service posts), their shifts (班次) and the people assigned to them.

A post is run by a unit (a social organisation, or a bureau), stands at a place in a region, may be
risky (志愿服务条例 Art. 17: accident insurance first) and may require skills. A shift is one
stretch of time at a post that needs `needed` people. An assignment puts one person on one shift;
cancelling or moving it ends it (its status), and a move points at the assignment it became, so the
person's history stays whole. An assignment keeps its shift's times so that "is this person
somewhere else then?" is one indexed query on the person's own rows.

`code_secret` is the post's own secret from which its daily check-in code is derived
(services.checkin); it never leaves the server.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.mobilization.models.people import TEXT_MAX, Person
from tongxin.regions.models import Region
from tongxin.units.models import Unit


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("卡点值守")
    TEMPERATURE = "temperature", _("体温检测")
    TESTING_SITE = "testing_site", _("检测点秩序维护")
    HOSPITAL = "hospital", _("医院支援")
    COMMUNITY = "community", _("社区服务")
    OTHER = "other", _("其他")


class Post(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("负责单位"), on_delete=models.PROTECT, related_name="posts")
    name = models.CharField(_("岗位名称"), max_length=100)
    kind = models.CharField(_("岗位类型"), max_length=20, choices=PostKind.choices)
    place = models.CharField(_("地点"), max_length=TEXT_MAX)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    risky = models.BooleanField(_("有人身风险"), default=False,
                                help_text=_("有人身风险的岗位，上岗人员须有有效的意外伤害保险，且不得安排未成年人"))
    required_skills = models.JSONField(_("所需技能"), default=list, blank=True)  # Skill values
    leader = models.ForeignKey(Person, verbose_name=_("岗位负责人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="led_posts")
    notes = models.CharField(_("说明"), max_length=TEXT_MAX, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    code_secret = models.CharField(max_length=43, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["unit_id", "name", "id"]
        verbose_name = _("服务岗位")
        verbose_name_plural = _("服务岗位")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="post_name_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    post = models.ForeignKey(Post, verbose_name=_("服务岗位"), on_delete=models.PROTECT, related_name="shifts")
    day = models.DateField(_("日期"), db_index=True)  # the local (Beijing) day the shift starts
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    needed = models.PositiveSmallIntegerField(_("需要人数"))
    notes = models.CharField(_("说明"), max_length=TEXT_MAX, blank=True)
    is_cancelled = models.BooleanField(_("已取消"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "post__unit"

    class Meta:
        ordering = ["starts_at", "post_id", "id"]
        verbose_name = pgettext_lazy("mobilization", "班次")
        verbose_name_plural = pgettext_lazy("mobilization", "班次")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="shift_ends_after_start"),
            models.CheckConstraint(condition=models.Q(needed__gte=1), name="shift_needs_someone"),
        ]
        indexes = [models.Index(fields=["post", "starts_at"], name="shift_post_time_idx")]

    def __str__(self) -> str:
        return f"{self.post} {self.starts_at:%Y-%m-%d %H:%M}"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("已安排")
    CANCELLED = "cancelled", _("已取消")
    MOVED = "moved", _("已调岗")


class Assignment(models.Model):
    shift = models.ForeignKey(Shift, verbose_name=pgettext_lazy("mobilization", "班次"), on_delete=models.PROTECT,
                              related_name="assignments")
    person = models.ForeignKey(Person, verbose_name=pgettext_lazy("mobilization", "人员"), on_delete=models.PROTECT,
                               related_name="assignments")
    status = models.CharField(_("状态"), max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ACTIVE)
    starts_at = models.DateTimeField(_("开始时间"))  # the shift's, copied: overlap checks read the person's rows
    ends_at = models.DateTimeField(_("结束时间"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("安排人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("安排时间"))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("取消/调岗人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("取消/调岗时间"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=TEXT_MAX, blank=True)
    moved_to = models.OneToOneField("self", verbose_name=_("调至"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="moved_from")
    reminded_at = models.DateTimeField(_("班前提醒时间"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "shift__post__unit"

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        constraints = [
            models.UniqueConstraint(fields=["shift", "person"], condition=models.Q(status="active"),
                                    name="assignment_once_per_shift"),
        ]
        indexes = [models.Index(fields=["person", "starts_at"], name="assignment_person_time_idx")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.shift}"
