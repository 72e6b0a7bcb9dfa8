from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    label = "reports"
    verbose_name = _("情况报送")

    def ready(self) -> None:
        from tongxin.core import notify
        from tongxin.reports import (
            ledger_sources,
            rollups,  # noqa: F401  (connects the roll-ups to units.signals.unit_moved)
        )

        # The reminder's wording, rendered by core in each reader's language.
        notify.register("reports.reminder", label=_("催报"), title=_("催报：%(unit)s 尚未报送%(form)s（%(day)s）"),
                        body=_("请于今日尽快报送；如无情况，请提交零报告。"))

        ledger_sources.register()

        from tongxin.core import system_settings

        system_settings.register(
            "reports.reminder_dedupe_minutes", kind="int", default=30, minimum=0, maximum=1440,
            label=_("催报间隔（分钟）"), help=_("同一天同一批单位的催报，在此时间内不再重复发送"))
