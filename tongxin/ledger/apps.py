from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from tongxin.core.types import Actor
    from tongxin.units.models import Unit


def _unit_moved(sender: object, *, actor: Actor, unit: Unit, new_region_code: str, **kwargs: Any) -> None:
    """units.signals.unit_moved: the unit's open entries go with it (inside the move's transaction)."""
    from tongxin.ledger import services

    services.follow_unit_move(actor, unit=unit, new_region_code=new_region_code)


class LedgerConfig(AppConfig):
    name = "tongxin.ledger"
    label = "ledger"
    verbose_name = _("问题台账")

    def ready(self) -> None:
        from tongxin.core import notify
        from tongxin.units.signals import unit_moved

        unit_moved.connect(_unit_moved, dispatch_uid="ledger.follow_unit_move")
        # Who must act next on an entry (ledger.services), rendered by core in each reader's language.
        notify.register("ledger.opened", label=_("问题挂账"), title=_("%(unit)s：新挂账问题 %(number)s"),
                        body=_("%(description)s（整改时限 %(deadline)s）"))
        notify.register("ledger.returned", label=_("整改退回"),
                        title=_("%(unit)s：问题 %(number)s 验收未通过，已退回整改"), body=_("退回原因：%(reason)s"))
        notify.register("ledger.awaiting", label=_("待验收"),
                        title=_("%(unit)s：问题 %(number)s 已提交整改，待您验收"), body=_("%(description)s"))
        notify.register("ledger.due_soon", label=_("即将到期"),
                        title=_("%(unit)s：问题 %(number)s 将于 %(deadline)s 到期"),
                        body=_("%(description)s。请按时整改并提交验收。"))
        notify.register("ledger.overdue", label=_("已逾期"),
                        title=_("%(unit)s：问题 %(number)s 已逾期（整改时限 %(deadline)s）"),
                        body=_("%(description)s。请尽快整改并提交验收。"))
