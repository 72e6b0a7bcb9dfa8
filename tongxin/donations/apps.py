from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "tongxin.donations"
    label = "donations"
    verbose_name = _("捐赠管理")

    def ready(self) -> None:
        """Each part registers its notification kinds (its `register_messages()`; core imports no app of ours)."""
        from tongxin.donations import services

        for part in services.PARTS:
            register = getattr(part, "register_messages", None)
            if register is not None:
                register()
