"""Outside delivery of notifications: SMS, email, and WeCom and DingTalk group robots.

List the ones to use in TONGXIN_NOTIFY_BACKENDS (docs/deploy.md); the default is core.notify's
LoggingBackend, which sends nothing. Each backend gets one notification at a time, after the
action's transaction committed, already rendered in its recipient's language, and answers with an
Outcome that core.notify keeps as a DeliveryAttempt:

- a failure (no connection, a timeout, HTTP 4xx/5xx, a robot's `errcode` other than 0) is an
  Outcome, never an exception into the action or the request; it is logged and recorded;
- short timeouts (TONGXIN_NOTIFY_TIMEOUT) and no retries: a gateway that did not answer is not
  tried again for the rest of that batch (the recipients of one `notify` call), so a gateway that
  is down costs one timeout per batch, not one per recipient. The in-app notification is always
  there; nothing is queued to be sent again later;
- personal data: SMS and robots carry only the rendered title and body; phone numbers appear
  masked in the log, and neither they nor keys or tokens appear in a recorded error.
"""

from tongxin.core.outbound.mail import EmailBackend
from tongxin.core.outbound.robots import DingTalkRobotBackend, WeComRobotBackend, dingtalk_sign
from tongxin.core.outbound.sms import SmsBackend

__all__ = ["DingTalkRobotBackend", "EmailBackend", "SmsBackend", "WeComRobotBackend", "dingtalk_sign"]
