"""Which articles and news to offer for a customer's own words and error codes."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from kb.services import articles_for_error_codes
from kb.services.headlines import newest_news_headlines
from search.documents import LANGUAGES, SearchFilters, SearchHit, SearchQuery
from search.services import TextTerms, reader_visibilities, search_documents

from .. import conf
from ..logs import codes_in_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuggestedArticle:
    """An article offered to the customer. ``matched_codes`` are the error
    codes (from the log or the description) it lists."""

    key: str
    lang: str
    title: str
    url: str
    summary: str = ""
    snippet: str = ""
    matched_codes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        data = asdict(self)
        data["matched_codes"] = list(self.matched_codes)
        return data


@dataclass(frozen=True)
class NewsItem:
    title: str
    url: str
    date: str


@dataclass
class Suggestions:
    """Everything the first step of "New case" offers."""

    articles: list[SuggestedArticle] = field(default_factory=list)
    news: list[NewsItem] = field(default_factory=list)
    search_url: str = ""
    codes: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [article.key for article in self.articles]


def suggestion_language(language: str | None) -> str:
    language = (language or "").split("-")[0]
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def _code_articles(codes, user, lang, product_line, limit) -> list[SuggestedArticle]:
    found = []
    for item in articles_for_error_codes(codes, user, lang):
        if item.fallback:  # not written in the customer's language
            continue
        page = item.page
        lines = {line.code for line in page.product_lines.all()}
        if product_line and lines and product_line not in lines:
            continue
        found.append(
            SuggestedArticle(
                key=page.import_key,
                lang=page.locale.language_code,
                title=page.title,
                url=page.get_url() or "",
                summary=page.summary,
                matched_codes=tuple(item.matched_codes),
            )
        )
    return found[:limit]


# Re-ranking the search's best matches ------------------------------------------
#
# The search ranks a long description by how often and where its words occur
# in whole articles. The customer, reading five suggestions, judges by what
# they show: does the title (then the summary, then the passage) speak of the
# things they wrote? So the step takes the search's top ``RERANK_POOL`` and
# reorders them by how many of the description's words each one covers, with
# the search's order as the tie-breaker and prior. Words match as the search
# analyses them (search.services.TextTerms: stems, and compound parts in
# Finnish).

#: How many search matches the step re-ranks (12 before the hybrid search;
#: 20 finds more on GIMP Help's index terms and as much on GNOME Help's
#: descriptions: bench/README.md, "Deflection").
RERANK_POOL = 20
#: Weight of the search's order (1 / (1 + rank)) beside the coverage.
PRIOR_WEIGHT = 1.5
#: How much a description word found in the title, the summary or the
#: passage counts (as a share of all the description's words).
COVERAGE_WEIGHTS = {"title": 1.5, "summary": 1.0, "snippet": 1.0}

_TAGS = re.compile(r"<[^>]+>")


def rerank_hits(text: str, lang: str, hits: list[SearchHit]) -> list[SearchHit]:
    """``hits`` (the search's order) reordered by how much of ``text`` each
    one's title, summary and passage cover, plus a prior of
    ``PRIOR_WEIGHT``/(1+rank)."""
    terms = TextTerms(text, lang)
    if not terms or len(hits) < 2:
        return hits
    scored = []
    for rank, hit in enumerate(hits):
        covered = terms.coverage(
            (
                (hit.title, COVERAGE_WEIGHTS["title"]),
                (hit.summary, COVERAGE_WEIGHTS["summary"]),
                (_TAGS.sub("", hit.snippet), COVERAGE_WEIGHTS["snippet"]),
            )
        )
        scored.append((covered + PRIOR_WEIGHT / (1 + rank), -rank, hit))
    scored.sort(key=lambda item: item[:2], reverse=True)
    return [hit for _score, _rank, hit in scored]


def _search_articles(text, user, lang, product_line, limit) -> list[SuggestedArticle]:
    query = SearchQuery(
        text=text,
        lang=lang,
        filters=SearchFilters(product_line=product_line or None),
        visibility=reader_visibilities(user),
        page_size=max(RERANK_POOL, limit + 5),
        meaning_words=conf.EMBED_WORDS,
    )
    try:
        results = search_documents(query)
    except Exception:  # noqa: BLE001 - suggestions are optional, the form is not
        logger.exception("suggestions: search failed for %d characters", len(text))
        return []
    hits = [hit for hit in results.hits if hit.doc_type != "news"]
    return [
        SuggestedArticle(
            key=hit.key,
            lang=hit.lang,
            title=hit.title,
            url=hit.url,
            summary=hit.summary,
            snippet=hit.snippet,
            matched_codes=(),
        )
        for hit in rerank_hits(text, lang, hits)
    ]


def suggest_articles(
    text: str,
    *,
    lang: str,
    user=None,
    product_line: str = "",
    codes: Iterable[str] = (),
    limit: int | None = None,
) -> list[SuggestedArticle]:
    """Up to ``limit`` (``DEFLECTION_SUGGESTIONS``) articles for a customer who
    wrote ``text`` about ``product_line``: first the articles that list the
    error codes found in their log (``codes``) or typed in ``text``, then the
    best search matches — in ``lang``, only what ``user`` may read."""
    limit = limit or conf.SUGGESTIONS
    lang = suggestion_language(lang)
    text = " ".join((text or "").split())[:500]
    wanted = list(dict.fromkeys([*codes, *codes_in_text(text)]))
    articles = _code_articles(wanted, user, lang, product_line, limit) if wanted else []
    if len(text) >= conf.MIN_QUERY_LENGTH and len(articles) < limit:
        seen = {article.key for article in articles}
        for article in _search_articles(text, user, lang, product_line, limit):
            if article.key not in seen:
                seen.add(article.key)
                articles.append(article)
    return articles[:limit]


def latest_news(
    user, lang: str, product_lines: Collection[str], limit: int | None = None
) -> list[NewsItem]:
    """The newest Rassegna Info items about ``product_lines`` (codes) and the
    product lines ``user``'s company licenses, plus news for everybody."""
    limit = limit or conf.NEWS
    codes = set(product_lines)
    customer = (
        getattr(user, "customer", None) if user and user.is_authenticated else None
    )
    if customer is not None:
        codes |= set(customer.product_lines.values_list("code", flat=True))
    return [
        NewsItem(title=item.title, url=item.url, date=item.date)
        for item in newest_news_headlines(user, suggestion_language(lang), codes, limit)
    ]


def advanced_search_url(text: str, product_line: str = "") -> str:
    """The advanced search with the customer's words carried over ("" while
    the search page is not installed)."""
    try:
        base = reverse("search:search")
    except NoReverseMatch:
        return ""
    params = {"q": " ".join((text or "").split())[:500]}
    if product_line:
        params["product_line"] = product_line
    return f"{base}?{urlencode(params)}"


def build_suggestions(
    text: str,
    *,
    lang: str,
    user=None,
    product_line: str = "",
    codes: Iterable[str] = (),
) -> Suggestions:
    """Articles, news and the advanced search link for the first step."""
    codes = list(codes)
    return Suggestions(
        articles=suggest_articles(
            text, lang=lang, user=user, product_line=product_line, codes=codes
        ),
        news=latest_news(user, lang, [product_line] if product_line else []),
        search_url=advanced_search_url(text, product_line),
        codes=list(dict.fromkeys([*codes, *codes_in_text(text)])),
    )


def articles_for_case(case, lang: str, limit: int = 3) -> list[SuggestedArticle]:
    """The ``limit`` articles most relevant to an existing ``case`` (the remote
    assistance page offers them): those listing the error codes of its log,
    then the best matches for its subject and request, readable by its
    reporter, in ``lang``."""
    if case is None:
        return []
    from ..models import CaseReading

    reading = CaseReading.objects.filter(case=case).first()
    text = f"{case.subject}. {case.request}"[:400]
    return suggest_articles(
        text,
        lang=lang,
        user=case.reporter,
        product_line=case.product_line.code,
        codes=reading.error_codes if reading else (),
        limit=limit,
    )
