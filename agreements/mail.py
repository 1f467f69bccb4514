"""Mail to the register's users: one way to render and send, one way to link back.

Used by the reminders (a daily command) and by the notifications after a submission or a
decision (agreements/notifications.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Agreement


def site_url(path: str) -> str:
    """The absolute address of `path` on this register (SITE_URL), for links in mails."""
    return settings.SITE_URL.rstrip("/") + path


def agreement_url(agreement: Agreement) -> str:
    return site_url(agreement.get_absolute_url())


def send_mail_to(to: str, subject: str, template: str, context: dict, connection=None) -> None:
    """Send `emails/<template>.txt` with its `.html` alternative to one address."""
    context = {**context, "site_url": site_url("")}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()
