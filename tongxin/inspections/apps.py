from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "tongxin.inspections"
    label = "inspections"
    verbose_name = _("隐患排查")

    def ready(self) -> None:
        from tongxin.inspections import ledger_sources

        ledger_sources.register()
