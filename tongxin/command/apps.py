from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "tongxin.command"
    label = "command"
    verbose_name = _("指挥调度")

    def ready(self) -> None:
        # Each part registers its notification kinds and ledger sources here.
        from tongxin.command.services import directives

        directives.register_notifications()
