from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "tongxin.command"
    label = "command"
    verbose_name = _("指挥调度")

    def ready(self) -> None:
        """Each part registers its notification kinds and settings; the ledger learns its sources and
        the overview its level panel (core and the ledger import no app of ours)."""
        from tongxin.command import ledger_sources
        from tongxin.command.services import chase, directives, duty, meetings
        from tongxin.command.views.responses import level_panel
        from tongxin.core import panels

        panels.register("command.levels", level_panel, template="command/response_overview_panel.html",
                        cell_template="command/response_overview_cell.html", column_title=_("响应级别"), order=10)
        directives.register_notifications()
        chase.register()
        duty.register()
        meetings.register()
        ledger_sources.register()
