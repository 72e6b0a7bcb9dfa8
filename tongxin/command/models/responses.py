"""Responses (应急响应): a bureau declares a response of a kind and a level (Ⅰ highest … Ⅳ) for its
region subtree, from a start to an end. Every change — declared, raised or lowered (also by a
higher level), ended — is a ResponseEvent with who and when; `Response.level` is the current one.

A response is in force at `t` when `starts_at <= t` and it has not ended (`ends_at` empty or later).
While one is in force over a unit's region, duty check-in and directive read tracking are on for
that unit (the 2026 rules for government apps allow them only in emergency scenarios)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.units.models import Kind, Unit


class ResponseKind(models.TextChoices):
    EPIDEMIC = "epidemic", _("疫情防控")
    FLOOD = "flood", _("防汛抗洪")
    FIRE_SAFETY = "fire_safety", _("消防安全")
    GEOLOGICAL = "geological", _("地质灾害")
    WEATHER = "weather", _("极端天气")
    OTHER = "other", _("其他")


class Level(models.IntegerChoices):
    I = 1, _("Ⅰ级")  # noqa: E741 — the level's name
    II = 2, _("Ⅱ级")
    III = 3, _("Ⅲ级")
    IV = 4, _("Ⅳ级")


class Response(models.Model):
    kind = models.CharField(_("类型"), max_length=20, choices=ResponseKind.choices)
    level = models.PositiveSmallIntegerField(_("响应级别"), choices=Level.choices)
    title = models.CharField(_("名称"), max_length=100, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("范围"), on_delete=models.PROTECT,
                               related_name="responses")
    declared_by = models.ForeignKey(Unit, verbose_name=_("启动单位"), on_delete=models.PROTECT,
                                    related_name="responses", limit_choices_to={"kind": Kind.BUREAU})
    starts_at = models.DateTimeField(_("启动时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("启动人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "declared_by"
    scope_reach_field = "region_id"  # seen below, where it is in force

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("应急响应")
        verbose_name_plural = _("应急响应")
        indexes = [models.Index(fields=["region", "starts_at"], name="response_region_idx")]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.get_level_display()}"


class ResponseEvent(models.Model):
    class Action(models.TextChoices):
        DECLARE = "declare", _("启动")
        RAISE = "raise", _("提升级别")
        LOWER = "lower", _("降低级别")
        END = "end", _("结束")

    response = models.ForeignKey(Response, verbose_name=_("应急响应"), on_delete=models.CASCADE,
                                 related_name="events")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    level_before = models.PositiveSmallIntegerField(_("原级别"), choices=Level.choices, null=True, blank=True)
    level_after = models.PositiveSmallIntegerField(_("新级别"), choices=Level.choices, null=True, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("决定单位"), on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "response__declared_by"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("响应变更")
        verbose_name_plural = _("响应变更")

    def __str__(self) -> str:
        return f"{self.response} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
