from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobilizationConfig(AppConfig):
    name = "tongxin.mobilization"
    label = "mobilization"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        """Each part registers its notification kinds (its `register_messages()`; core imports no app
        of ours), and the overview its panel on the reports overview."""
        from tongxin.core import panels
        from tongxin.mobilization import services
        from tongxin.mobilization.views.overview import deployment_panel

        panels.register("mobilization.deployment", deployment_panel,
                        template="mobilization/deployment_overview_panel.html", order=20)

        for part in services.PARTS:
            register = getattr(part, "register_messages", None)
            if register is not None:
                register()
