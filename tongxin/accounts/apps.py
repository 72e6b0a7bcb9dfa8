from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tongxin.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from tongxin.accounts import signals  # noqa: F401  (connects the sign-in audit receivers)
        from tongxin.core import system_settings

        system_settings.register(
            "accounts.temporary_password_length", kind="int", default=12, minimum=10, maximum=32,
            label=_("临时密码长度"), help=_("管理员新建账号或重置密码时自动生成的临时密码的位数"))
