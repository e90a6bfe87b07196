"""Templated, translated e-mail.

Templates live at ``templates/<app>/email/<name>_subject.txt``, ``<name>.txt``
and optionally ``<name>.html``. Messages are sent only through the mailer's
outbox (``mailer.services.queue_email``), which retries until SMTP takes them:
nothing here sends.
"""

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


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
