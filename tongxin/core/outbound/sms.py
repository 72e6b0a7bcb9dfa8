"""SMS through an HTTP JSON gateway (the department's SMS platform, or an adapter in front of a
carrier's): POST {"phone", "text", "sign"} to TONGXIN_SMS_URL with `Authorization: Bearer
TONGXIN_SMS_TOKEN`. The gateway answers 2xx when it accepted the message; a JSON answer whose
`code` is present and not 0 is a refusal."""

from __future__ import annotations

import phonenumbers
from django.conf import settings

from tongxin.core.models import Notification
from tongxin.core.notify import Message, Outcome, recipient_language
from tongxin.core.outbound.gateway import GatewayError, HttpBackend, log, one_line
from tongxin.core.validators import mask_phone

SMS_MAX_BYTES = 600  # about three concatenated SMS of Chinese text; the rest is in the app


def mobile_number(raw: str) -> str:
    """The 11-digit mainland mobile number in `raw`, or "" when it is not one (a landline, junk)."""
    try:
        number = phonenumbers.parse(raw.strip(), "CN")
    except phonenumbers.NumberParseException:
        return ""
    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if number.country_code != 86 or not phonenumbers.is_valid_number(number) \
            or phonenumbers.number_type(number) not in kinds:
        return ""
    return str(number.national_number)


class SmsBackend(HttpBackend):
    """To the recipient's mobile phone (`User.phone`, or the `contact_phone` of a recipient without an
    account): the title and body, nothing more."""

    name = "sms"

    def deliver(self, notification: Notification, message: Message) -> Outcome | None:
        raw = notification.contact_phone or getattr(notification.recipient, "phone", "") or ""
        if not raw.strip():
            return Outcome.skipped("no phone number")
        phone = mobile_number(raw)
        if not phone:
            return Outcome.skipped("not a mobile number")
        text = one_line(message.title, message.body, limit=SMS_MAX_BYTES,
                        language=recipient_language(notification.recipient))
        payload = {"phone": phone, "text": text, "sign": settings.TONGXIN_SMS_SIGN}
        try:
            answer = self.post(settings.TONGXIN_SMS_URL, payload,
                               headers={"Authorization": f"Bearer {settings.TONGXIN_SMS_TOKEN}"})
        except GatewayError as exc:
            log.warning("sms to %s (notification %s) failed: %s", mask_phone(phone), notification.pk, exc.error)
            return Outcome.failed(exc.error)
        code = answer.get("code", 0) if isinstance(answer, dict) else 0
        if code not in (0, "0"):
            error = f"refused: code {str(code)[:20]} {str(answer.get('message', ''))[:100]}".strip()
            log.warning("sms to %s (notification %s) %s", mask_phone(phone), notification.pk, error)
            return Outcome.failed(error)
        log.info("sms sent to %s (notification %s)", mask_phone(phone), notification.pk)
        return Outcome.sent()
