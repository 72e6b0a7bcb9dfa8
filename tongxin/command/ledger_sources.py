"""What command tells the ledger: a directive is the source of entries for overdue feedback
("directive", pre-registered by the ledger as a hand-entered kind; registered again here with a
link), and an action item (one owner unit's share of a meeting's decision) of entries for overdue
action items ("action_item"). Registered in `CommandConfig.ready()`; the ledger never imports this app."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.ledger import sources

DIRECTIVE = "directive"


def directive_link(pk: int) -> sources.Link | None:
    from tongxin.command.models import Directive
    from tongxin.command.services.chase import directive_url

    found = Directive.objects.filter(pk=pk).values_list("title", "doc_number").first()
    if found is None:
        return None
    title, number = found
    label = _("通知《%(title)s》%(number)s") % {"title": title, "number": number}
    return sources.Link(label.strip(), directive_url(pk) or None)


def action_item_link(pk: int) -> sources.Link | None:
    """How an action item (one owner unit's assignment) shows itself on a ledger entry."""
    from django.urls import reverse

    from tongxin.command.models.meetings import ActionAssignment

    a = ActionAssignment.objects.select_related("item__meeting", "unit").filter(pk=pk).first()
    if a is None:
        return None
    return sources.Link(f"{a.item.meeting.title} · {a.item.number} · {a.unit.name}",
                reverse("command:action-item-detail", args=[pk]))


def register() -> None:
    # manual=True: the hand-made entry form keeps offering 通知指令, as before this app existed.
    sources.register_source(DIRECTIVE, label=gettext_lazy("通知指令"), link=directive_link, manual=True)
    from tongxin.command.services.meetings import LEDGER_SOURCE as ACTION_ITEM

    sources.register_source(ACTION_ITEM, label=gettext_lazy("督办事项"), link=action_item_link)
