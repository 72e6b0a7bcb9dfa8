from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _unit_moved(sender, *, actor, unit, new_region_code: str, **kwargs) -> None:
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
