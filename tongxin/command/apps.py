from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "tongxin.command"
    label = "command"
    verbose_name = _("指挥调度")

    def ready(self) -> None:
        # Each part registers its notification kinds and ledger sources here.
        from tongxin.core import notify, system_settings

        # duty: the notice before a shift (services.duty.duty_notices) and when 未到岗 is flagged
        notify.register("command.duty.check_in_due", label=_("到岗签到"),
                        title=_("%(unit)s：您的%(role)s班次 %(start)s 开始，请到岗签到"),
                        body=_("应急响应期间请按时到岗，到岗后在“我的值班”页点击“签到”。"))
        system_settings.register(
            "command.duty_missed_minutes", kind="int", default=30, minimum=5, maximum=720,
            label=_("未到岗提示时间（分钟）"),
            help=_("应急响应期间，班次开始超过此时间仍未签到的，在上级的值班表上标为“未到岗”"))
