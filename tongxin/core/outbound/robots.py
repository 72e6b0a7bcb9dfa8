"""Group robots: WeCom (企业微信群机器人) and DingTalk (钉钉自定义机器人) post to a chat group.

A group is not a person, so a robot posts what the group should know once, not once per
recipient: one line (title：body) per distinct message of a batch, in the group's language
(TONGXIN_ROBOT_LANGUAGE), for the message keys in TONGXIN_ROBOT_MESSAGES (shell-style patterns
such as `command.*`; `*`, the default, is every key). It carries the rendered title and body and
nothing more: no names, no phone numbers, no links. Both services answer {"errcode": 0, "errmsg":
"ok"}; any other errcode is a failure.

- WeCom: POST {TONGXIN_WECOM_URL}?key=KEY with {"msgtype": "text", "text": {"content": ...}}
  (content at most 2048 bytes).
- DingTalk: POST {TONGXIN_DINGTALK_URL}?access_token=TOKEN, with the 加签 security setting
  `&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret>`,
  and the same text body.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

from django.conf import settings

from tongxin.core.models import Notification
from tongxin.core.notify import Message, Outcome, render
from tongxin.core.outbound.gateway import GatewayError, HttpBackend, log, one_line


def for_groups(key: str) -> bool:
    """Whether notifications of `key` go to the groups (TONGXIN_ROBOT_MESSAGES)."""
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in settings.TONGXIN_ROBOT_MESSAGES)


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's 加签: base64 of HMAC-SHA256("timestamp\\nsecret", key=secret), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


class GroupRobot(HttpBackend):
    """Posts each distinct message of a batch once; subclasses say where and how."""

    max_bytes = 2048

    def __init__(self) -> None:
        super().__init__()
        self._posted: set[str] = set()

    def url(self) -> str:
        raise NotImplementedError

    def deliver(self, notification: Notification, message: Message) -> Outcome | None:
        if not for_groups(notification.key):
            return None
        language = settings.TONGXIN_ROBOT_LANGUAGE
        for_group = render(notification, language)  # the group's language, not the recipient's
        text = one_line(for_group.title, for_group.body, limit=self.max_bytes, language=language)
        if text in self._posted:
            return None  # the same message to another recipient: the group has it already
        self._posted.add(text)
        try:
            answer = self.post(self.url(), {"msgtype": "text", "text": {"content": text}})
        except GatewayError as exc:
            log.warning("%s robot (notification %s) failed: %s", self.name, notification.pk, exc.error)
            return Outcome.failed(exc.error)
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            error = _refusal(answer)
            log.warning("%s robot (notification %s) %s", self.name, notification.pk, error)
            return Outcome.failed(error)
        log.info("%s robot posted notification %s", self.name, notification.pk)
        return Outcome.sent()


def _refusal(answer: Any) -> str:
    if not isinstance(answer, dict):
        return "refused: the answer is not the robot's JSON"
    return f"errcode {str(answer.get('errcode'))[:20]}: {str(answer.get('errmsg', ''))[:200]}"


class WeComRobotBackend(GroupRobot):
    name = "wecom"

    def url(self) -> str:
        return f"{settings.TONGXIN_WECOM_URL}?{urllib.parse.urlencode({'key': settings.TONGXIN_WECOM_WEBHOOK_KEY})}"


class DingTalkRobotBackend(GroupRobot):
    name = "dingtalk"
    max_bytes = 4000  # DingTalk takes far more; a group line should stay short anyway

    def url(self) -> str:
        query = urllib.parse.urlencode({"access_token": settings.TONGXIN_DINGTALK_TOKEN})
        secret = settings.TONGXIN_DINGTALK_SECRET
        if secret:  # the robot's 加签 security setting; without it the robot relies on keywords or IPs
            timestamp = int(time.time() * 1000)
            query += f"&timestamp={timestamp}&sign={dingtalk_sign(timestamp, secret)}"
        return f"{settings.TONGXIN_DINGTALK_URL}?{query}"
