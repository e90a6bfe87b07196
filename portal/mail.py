"""Templated, translated e-mail.

Templates live at ``templates/<app>/email/<name>_subject.txt``, ``<name>.txt``
and optionally ``<name>.html``.
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def render_email(
    template_prefix: str, context: dict, language: str | None = None
) -> tuple[str, str, str | None]:
    """Render subject, plain text and HTML (or None) in ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        body = render_to_string(f"{template_prefix}.txt", context)
        try:
            html = render_to_string(f"{template_prefix}.html", context)
        except TemplateDoesNotExist:
            html = None
    return " ".join(subject.split()), body, html


def send_templated_email(
    template_prefix: str,
    context: dict,
    to: Sequence[str],
    language: str | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Render and send one message now. Raises on SMTP failure; callers that must
    not lose mail go through an outbox that retries."""
    subject, body, html = render_email(template_prefix, context, language)
    message = EmailMultiAlternatives(
        subject, body, settings.DEFAULT_FROM_EMAIL, list(to)
    )
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
    logger.info("sent %s to %d recipient(s)", template_prefix, len(to))
