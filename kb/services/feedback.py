""" "Was this helpful?": one answer per visitor session and article."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.crypto import salted_hmac

from .. import pagecache
from ..models import ArticleFeedback, ArticlePage

logger = logging.getLogger(__name__)


def session_hash(session_key: str) -> str:
    """A keyed hash of the session key: enough to refuse a second vote, useless
    to anyone who reads the table."""
    return salted_hmac("kb.feedback.session", session_key).hexdigest()


def has_voted(page: ArticlePage | int, session_key: str) -> bool:
    """Has this session answered for ``page`` (a page or its id)?"""
    return ArticleFeedback.objects.filter(
        page=page, session_hash=session_hash(session_key)
    ).exists()


def record_feedback(
    *, page: ArticlePage, session_key: str, helpful: bool, comment: str = ""
) -> bool:
    """Store one answer for ``page`` in its language. Returns False (and stores
    nothing) when this session has already answered for this page: the database
    enforces it, so two simultaneous posts cannot both count."""
    try:
        with transaction.atomic():
            ArticleFeedback.objects.create(
                page=page,
                language=page.locale.language_code,
                helpful=helpful,
                comment=(comment or "").strip()[:1000],
                session_hash=session_hash(session_key),
            )
    except IntegrityError:
        return False
    # The knowledge base's "most helpful" list may change.
    pagecache.invalidate_feedback()
    logger.info("feedback on page %s: %s", page.pk, "yes" if helpful else "no")
    return True


def feedback_report_queryset() -> QuerySet[ArticlePage]:
    """Articles with answers, per article and language, least helpful first:
    ``votes``, ``helpful_votes``, ``comment_count`` and ``ratio`` (0..1)."""
    return (
        ArticlePage.objects.annotate(
            votes=Count("feedback"),
            helpful_votes=Count("feedback", filter=Q(feedback__helpful=True)),
            comment_count=Count("feedback", filter=~Q(feedback__comment="")),
        )
        .filter(votes__gt=0)
        .annotate(
            ratio=Cast(F("helpful_votes"), FloatField())
            / Cast(F("votes"), FloatField())
        )
        .select_related("locale")
        .order_by("ratio", "-votes", "title")
    )
