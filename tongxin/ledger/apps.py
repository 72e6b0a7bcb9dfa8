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
        from tongxin.units.signals import unit_moved

        unit_moved.connect(_unit_moved, dispatch_uid="ledger.follow_unit_move")
