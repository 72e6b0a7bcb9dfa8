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
        # Each part registers its notification kinds and ledger sources here.
        _register_meetings()


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
