from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from tongxin.ledger.sources import Link


class CommandConfig(AppConfig):
    name = "tongxin.command"
    label = "command"
    verbose_name = _("指挥调度")

    def ready(self) -> None:
        # Each part registers its notification kinds, ledger sources, settings and overview panels.
        from tongxin.command.services import directives

        self._ready_responses()
        directives.register_notifications()
        self._ready_chase()
        self._ready_duty()
        _register_meetings()

    @staticmethod
    def _ready_responses() -> None:
        """The overview shows each region's response level."""
        from tongxin.command.views.responses import level_panel
        from tongxin.core import panels

        panels.register("command.levels", level_panel, template="command/responses_overview_panel.html",
                        cell_template="command/responses_overview_cell.html", column_title=_("响应级别"), order=10)

    @staticmethod
    def _ready_chase() -> None:
        """催办, escalation and feedback notices; overdue feedback onto the ledger."""
        from tongxin.command import ledger_sources
        from tongxin.core import notify, system_settings

        notify.register("command.directive.reminder", label=_("催办"),
                        title=_("催办：%(unit)s 尚未签收《%(title)s》"),
                        body=_("签收时限 %(deadline)s，请尽快签收。"))
        notify.register("command.directive.escalated", label=_("催办升级"),
                        title=_("逾期未签收：%(unit)s《%(title)s》"),
                        body=_("签收时限 %(deadline)s 已过，该单位仍未签收，请督促落实。"))
        notify.register("command.directive.feedback_due", label=_("反馈将到期"),
                        title=_("反馈将到期：%(unit)s《%(title)s》"),
                        body=_("请于 %(deadline)s 前反馈（约 %(hours)s 小时后到期）。"))
        ledger_sources.register()
        system_settings.register(
            "command.reminder_gap_minutes", kind="int", default=30, minimum=30, maximum=1440,
            label=_("催办间隔（分钟）"), help=_("同一单位的同一通知，在此时间内不再重复催办（不少于 30 分钟）"))
        system_settings.register(
            "command.escalation_interval_minutes", kind="int", default=60, minimum=5, maximum=1440,
            label=_("升级间隔（分钟）"), help=_("逾期未签收告知值班领导后，仍未签收的，经过此时间再告知上级"))
        system_settings.register(
            "command.feedback_due_hours", kind="int", default=24, minimum=1, maximum=168,
            label=_("反馈到期提醒（小时）"), help=_("反馈时限前这么多小时内，提醒未反馈的单位一次"))

    @staticmethod
    def _ready_duty() -> None:
        """The notice before a shift (services.duty.duty_notices) and when 未到岗 is flagged."""
        from tongxin.core import notify, system_settings

        notify.register("command.duty.check_in_due", label=_("到岗签到"),
                        title=_("%(unit)s：您的%(role)s班次 %(start)s 开始，请到岗签到"),
                        body=_("应急响应期间请按时到岗，到岗后在“我的值班”页点击“签到”。"))
        system_settings.register(
            "command.duty_missed_minutes", kind="int", default=30, minimum=5, maximum=720,
            label=_("未到岗提示时间（分钟）"),
            help=_("应急响应期间，班次开始超过此时间仍未签到的，在上级的值班表上标为“未到岗”"))


def _action_item_link(pk: int) -> Link | None:
    """How an action item (one owner unit's assignment) shows itself on a ledger entry."""
    from django.urls import reverse

    from tongxin.command.models.meetings import ActionAssignment
    from tongxin.ledger.sources import Link  # noqa: F811  (the name is only a type above)

    a = ActionAssignment.objects.select_related("item__meeting", "unit").filter(pk=pk).first()
    if a is None:
        return None
    return Link(f"{a.item.meeting.title} · {a.item.number} · {a.unit.name}",
                reverse("command:action-item-detail", args=[pk]))


def _register_meetings() -> None:
    """Dispatch meetings: who is told what about action items, and their ledger source."""
    from tongxin.core import notify
    from tongxin.ledger import sources

    sources.register_source("action_item", label=_("督办事项"), link=_action_item_link)
    notify.register("command.action_assigned", label=_("督办交办"),
                    title=_("%(unit)s：新的督办事项（%(meeting)s 第%(number)s项）"),
                    body=_("%(description)s（完成时限 %(deadline)s）"))
    notify.register("command.action_submitted", label=_("督办待验收"),
                    title=_("%(unit)s 报告督办事项已完成，待您验收"),
                    body=_("%(meeting)s 第%(number)s项：%(description)s"))
    notify.register("command.action_returned", label=_("督办退回"),
                    title=_("%(unit)s：督办事项第%(number)s项验收未通过，已退回"), body=_("退回原因：%(reason)s"))
    notify.register("command.action_due_soon", label=_("督办即将到期"),
                    title=_("%(unit)s：督办事项第%(number)s项将于 %(deadline)s 到期"),
                    body=_("%(description)s。请按时办理并报告完成。"))
    notify.register("command.action_overdue", label=_("督办已逾期"),
                    title=_("%(unit)s：督办事项第%(number)s项已逾期（完成时限 %(deadline)s）"),
                    body=_("%(description)s。请尽快办理并报告完成。"))
