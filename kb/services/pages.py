"""The fixed part of the page tree: one knowledge base and one news digest per
locale, under that locale's home page."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale

from home.models import HomePage

from ..models import KnowledgeBaseIndexPage, NewsIndexPage

logger = logging.getLogger(__name__)

# Page titles are content, one per language, like the home page's.
INDEX_TITLES = {
    KnowledgeBaseIndexPage: {
        "en": "Knowledge base",
        "it": "Documentazione",
        "fi": "Tietopankki",
    },
    NewsIndexPage: {
        "en": "Rassegna Info: news",
        "it": "Rassegna Info",
        "fi": "Rassegna Info: uutiset",
    },
}
INDEX_SLUGS = {KnowledgeBaseIndexPage: "kb", NewsIndexPage: "news"}


class MissingHomePage(Exception):
    """The locale has no home page to hang its knowledge base on."""


def index_page_for(model, language: str):
    """The live index page of ``model`` (knowledge base or news) in
    ``language``, or None."""
    return (
        model.objects.live()
        .filter(locale__language_code=language)
        .order_by("path")
        .first()
    )


@transaction.atomic
def ensure_index_page(model, language: str, intro: str = ""):
    """The index page of ``model`` in ``language``, created (published, slug
    "kb" or "news", with ``intro``) under the locale's home page when missing.
    Index pages of all languages share one translation key."""
    page = model.objects.filter(locale__language_code=language).order_by("path").first()
    if page is not None:
        return page
    home = HomePage.objects.filter(locale__language_code=language).first()
    if home is None:
        raise MissingHomePage(language)
    sibling = model.objects.order_by("path").first()
    titles = INDEX_TITLES[model]
    page = model(
        title=titles.get(language, titles[settings.LANGUAGE_CODE]),
        slug=INDEX_SLUGS[model],
        locale=home.locale,
        translation_key=sibling.translation_key if sibling else uuid.uuid4(),
        intro=intro,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    logger.info("created %s in %s", model.__name__, language)
    return page


def ensure_index_pages(
    intros: dict[str, tuple[str, str]] | None = None,
) -> dict[str, tuple[KnowledgeBaseIndexPage, NewsIndexPage]]:
    """Both index pages in every configured language that has a home page.
    ``intros`` (language -> (knowledge base intro, news intro)) is used for
    pages created now."""
    result = {}
    for code, _name in settings.LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
        kb_intro, news_intro = (intros or {}).get(code, ("", ""))
        try:
            result[code] = (
                ensure_index_page(KnowledgeBaseIndexPage, code, kb_intro),
                ensure_index_page(NewsIndexPage, code, news_intro),
            )
        except MissingHomePage:
            logger.warning("no home page in %s: no knowledge base there", code)
    return result


def localized_index_url(model, language: str, request=None) -> str | None:
    """The URL of the index page in ``language``, else in the default language."""
    for code in (language, settings.LANGUAGE_CODE):
        page = index_page_for(model, code)
        if page is not None:
            return page.get_url(request=request)
    return None
