"""The department's public notices and work reports (通知公告 / 工作动态), as the story itself was
published: title, source, author, date, body and the original link. Written by the department's
staff (services), read by anyone on the public site once published."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.units.models import Unit


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("通知公告")
    WORK = "work", _("工作动态")


class Notice(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("栏目"), max_length=10, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=150)
    source = models.CharField(_("来源"), max_length=100)
    author = models.CharField(_("作者"), max_length=50, blank=True)
    day = models.DateField(_("发布日期"), db_index=True)
    body = models.TextField(_("正文"))
    original_url = models.URLField(_("原文链接"), blank=True)
    is_published = models.BooleanField(_("已发布"), default=False, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("公告动态")
        verbose_name_plural = _("公告动态")

    def __str__(self) -> str:
        return self.title
