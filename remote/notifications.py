"""The mail an authorisation causes: the copy (with the PDF) to the e-mail the
person gave, in the language they read, and the notice to the responsible
partner, or to support when there is none. Both go through the mailer's outbox
inside the caller's transaction and leave after the commit; a template or
outbox error is logged and never undoes the authorisation."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import translation

from cases.conf import base_url
from mailer.services import queue_email

from . import conf
from .models import Authorisation
from .pdf import pdf_filename, render_authorisation_pdf

logger = logging.getLogger(__name__)


def partner_addresses(partner) -> list[str]:
    """The partner's desk address, else its active users' addresses."""
    if partner is None:
        return []
    if partner.email:
        return [partner.email]
    return list(
        partner.users.filter(is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _queue(template: str, context: dict, to: list[str], language: str, **kwargs):
    if not any(to):
        return
    try:
        with transaction.atomic():
            queue_email(f"remote/email/{template}", context, to, language, **kwargs)
    except Exception:
        logger.exception(
            "could not queue %s for authorisation %s",
            template,
            context["authorisation"].public_id,
        )


def desk_url(language: str) -> str:
    with translation.override(language):
        return base_url() + reverse("remote:desk")


def notify_authorisation(authorisation: Authorisation) -> None:
    version = authorisation.consent_version
    try:
        pdf = render_authorisation_pdf(authorisation)
    except Exception:
        logger.exception("could not render the PDF of %s", authorisation.public_id)
        attachments = []
    else:
        attachments = [(pdf_filename(authorisation), pdf, "application/pdf")]
    _queue(
        "authorisation_copy",
        {"authorisation": authorisation, "version": version},
        [authorisation.email],
        authorisation.language,
        attachments=attachments,
    )
    partner = authorisation.notified_partner
    recipients = partner_addresses(partner) or [conf.SUPPORT_EMAIL]
    language = conf.PARTNER_LANGUAGE
    _queue(
        "partner_notice",
        {
            "authorisation": authorisation,
            "version": version,
            "partner": partner,
            "desk_url": desk_url(language),
            "valid_minutes": conf.CODE_VALID_MINUTES,
        },
        recipients,
        language,
    )
