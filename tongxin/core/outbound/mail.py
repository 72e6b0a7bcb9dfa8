"""Email through Django's email API (EMAIL_BACKEND; SMTP settings from TONGXIN_EMAIL_*), to the
recipient's `email`: the rendered title as the subject, the body (or the title) as the text."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from tongxin.core.models import Notification
from tongxin.core.notify import Message, Outcome
from tongxin.core.outbound.gateway import log


class EmailBackend:
    """One email per notification; a mail server that cannot be reached is not tried again in the batch."""

    name = "email"

    def __init__(self) -> None:
        self._down = ""

    def deliver(self, notification: Notification, message: Message) -> Outcome | None:
        address = (getattr(notification.recipient, "email", "") or "").strip()
        if not address:
            return Outcome.skipped("no email address")
        if self._down:
            return Outcome.failed(f"not tried: {self._down} earlier in this batch")
        email = EmailMessage(subject=" ".join(message.title.split()), body=message.body or message.title,
                             from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
        try:
            email.send()
        except smtplib.SMTPResponseException as exc:  # the server answered, and refused
            error = f"SMTP {exc.smtp_code}"
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _msg in exc.recipients.values()})
            error = "recipient refused (SMTP " + ", ".join(str(c) for c in codes) + ")"
        except (smtplib.SMTPException, OSError) as exc:  # no connection, a timeout, a dropped line
            error = self._down = f"no connection ({type(exc).__name__})"
        else:
            log.info("email sent for notification %s", notification.pk)
            return Outcome.sent()
        log.warning("email for notification %s failed: %s", notification.pk, error)
        return Outcome.failed(error)
