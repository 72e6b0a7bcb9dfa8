from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "tongxin.inspections"
    label = "inspections"
    verbose_name = _("隐患排查")

    def ready(self) -> None:
        from tongxin.core import notify
        from tongxin.inspections import ledger_sources

        ledger_sources.register()
        # A member put on a supervision team (services.create_team), rendered in each reader's language.
        notify.register("inspections.team", label=_("督导组"), title=_("您已被编入督导组：%(team)s"),
                        body=_("%(bureau)s 牵头，督导期间 %(start)s 至 %(end)s。"))
