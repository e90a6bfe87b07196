"""From a resolved case to a draft knowledge-base article.

The draft is an unpublished ``ArticlePage`` under the knowledge base of the
case's language, with a first revision by the partner who asked for it; when a
moderation workflow applies to the knowledge base it is started, so the draft
goes through the same review as any other article. Names, customer codes,
e-mail addresses and phone numbers are removed (deflection.redaction).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override
from wagtail.models import Page
from wagtail.rich_text import RichText

from cases.models import Role
from core.redaction import redact_text
from kb.models import ArticlePage, Audience, DocType, KnowledgeBaseIndexPage
from kb.services import index_page_for
from search.documents import LANGUAGES

from ..models import ArticleDraft, CaseReading
from ..permissions import can_draft_article
from ..redaction import identifiers_of_case
from .flow import subject_from

logger = logging.getLogger(__name__)


class DraftNotAllowed(Exception):
    """The user may not make an article of this case (or it is not resolved)."""


class NoKnowledgeBase(Exception):
    """No knowledge base page exists to put the draft under."""


def _paragraphs(text: str) -> str:
    blocks = [part.strip() for part in text.replace("\r", "").split("\n\n")]
    return "".join(
        "<p>" + escape(block).replace("\n", "<br/>") + "</p>"
        for block in blocks
        if block
    )


def _unique_slug(parent: Page, title: str) -> str:
    base = slugify(title, allow_unicode=True)[:60] or "draft"
    taken = set(Page.objects.child_of(parent).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def draft_article_from_case(case, user) -> ArticlePage:
    """An unpublished article made of ``case``'s request (the problem) and its
    partner replies (the solution), redacted; the same draft again if one was
    made before."""
    if not can_draft_article(user, case):
        raise DraftNotAllowed
    # No select_related: PostgreSQL cannot lock the nullable side of a join.
    existing = ArticleDraft.objects.select_for_update().filter(case=case).first()
    if existing is not None and existing.page is not None:
        return existing.page.specific
    language = case.language if case.language in LANGUAGES else settings.LANGUAGE_CODE
    parent = index_page_for(KnowledgeBaseIndexPage, language) or index_page_for(
        KnowledgeBaseIndexPage, settings.LANGUAGE_CODE
    )
    if parent is None:
        raise NoKnowledgeBase
    names, codes = identifiers_of_case(case)

    def redact(text: str) -> str:
        return redact_text(text, names=names, codes=codes)

    replies = case.messages.filter(
        is_internal=False, role__in=[Role.PARTNER, Role.STAFF]
    ).order_by("created_at", "pk")
    with override(parent.locale.language_code):
        body = [
            ("heading", {"text": _("Problem"), "level": "h2", "anchor": ""}),
            ("paragraph", RichText(_paragraphs(redact(case.request)))),
            ("heading", {"text": _("Solution"), "level": "h2", "anchor": ""}),
        ]
        solution = [redact(message.body) for message in replies]
        if not solution:
            solution = [_("(Write the solution here.)")]
    body += [("paragraph", RichText(_paragraphs(text))) for text in solution]
    reading = CaseReading.objects.filter(case=case).first()
    title = redact(case.subject)[:255] or _("Draft from a resolved case")
    page = ArticlePage(
        title=title,
        draft_title=title,
        slug=_unique_slug(parent, title),
        locale=parent.locale,
        summary=subject_from(redact(case.request))[:600],
        body=body,
        area=case.area,
        doc_type=DocType.TECHNOTE,
        audience=Audience.ALL,
        error_codes="\n".join(reading.error_codes if reading else []),
        live=False,
        owner=user,
    )
    # A parental M2M is kept on the instance and written when the page saves.
    page.product_lines.set([case.product_line])
    parent.add_child(instance=page)
    page.save_revision(user=user, log_action=True)
    ArticleDraft.objects.update_or_create(
        case=case, defaults={"page": page, "created_by": user}
    )
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, user)
    logger.info("case %s: draft article %s created", case.number, page.pk)
    return page
