from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    label = "reports"
    verbose_name = _("情况报送")

    def ready(self) -> None:
        from tongxin.reports import ledger_sources

        ledger_sources.register()
