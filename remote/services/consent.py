"""The published clause texts: snapshots on publication, the current version
per language, and publishing from code (the demo loader, tests)."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..models import CLAUSE_FIELDS, ConsentText, ConsentVersion, consent_sha256

logger = logging.getLogger(__name__)


def snapshot_consent_version(
    consent_text: ConsentText, user=None
) -> ConsentVersion | None:
    """Freeze the live text of ``consent_text`` as a new version, numbered after
    the last one of its language. Publishing an unchanged text makes no new
    version (returns None). Called when Wagtail publishes a ConsentText."""
    intro, clauses = consent_text.intro, consent_text.clauses
    digest = consent_sha256(intro, clauses)
    with transaction.atomic():
        # Lock the text's row: two publications at once get distinct numbers.
        ConsentText.objects.select_for_update().filter(pk=consent_text.pk).first()
        latest = consent_text.versions.order_by("-number").first()
        if latest is not None and latest.sha256 == digest:
            return None
        number = (
            ConsentVersion.objects.filter(language=consent_text.language).aggregate(
                last=Max("number")
            )["last"]
            or 0
        ) + 1
        version = ConsentVersion.objects.create(
            consent_text=consent_text,
            language=consent_text.language,
            number=number,
            intro=intro,
            sha256=digest,
            published_at=timezone.now(),
            published_by=user if user is not None and user.pk else None,
            **dict(zip(CLAUSE_FIELDS, clauses, strict=True)),
        )
    logger.info(
        "remote clauses %s: version %d published", version.language, version.number
    )
    return version


def consent_languages(language: str | None) -> list[str]:
    """The languages to try for ``language``: itself, then the default, then
    the others."""
    codes = [code for code, _name in settings.LANGUAGES]
    first = (language or settings.LANGUAGE_CODE).split("-")[0]
    order = [first, settings.LANGUAGE_CODE] + codes
    return list(dict.fromkeys(code for code in order if code in codes))


def current_consent_version(language: str | None) -> ConsentVersion | None:
    """The version a visitor reading ``language`` must accept: the latest
    published one of that language, else of the default language, else any."""
    for code in consent_languages(language):
        version = ConsentVersion.objects.current(code)
        if version is not None:
            return version
    return None


def publish_consent_text(
    language: str, intro: str, clauses: list[str], user=None
) -> ConsentVersion | None:
    """Write and publish the clauses of ``language`` through Wagtail's revisions,
    as an editor would in the admin; return the new version (None if the text
    did not change)."""
    values = {"intro": intro, **dict(zip(CLAUSE_FIELDS, clauses, strict=True))}
    with transaction.atomic():
        text = ConsentText.objects.filter(language=language).first()
        if text is None:
            text = ConsentText(language=language, live=False, **values)
            text.save()
        else:
            for name, value in values.items():
                setattr(text, name, value)
        before = text.versions.count()
        revision = text.save_revision(user=user)
        revision.publish(user=user)
        text.refresh_from_db()
        if text.versions.count() == before:
            return None
        return text.versions.order_by("-number").first()
