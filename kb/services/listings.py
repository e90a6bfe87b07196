"""What the knowledge base, the news digest and the feeds list, for whom.

Every listing starts from ``<Model>.objects.visible_to(user)`` (kb.permissions)
and then keeps one translation per article: the one in the reader's language,
or, when there is none, one in another language (the default language first),
flagged so that the template can say "Available in: English".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.html import strip_tags
from django.utils.translation import get_language_info

from taxonomy.models import Area, ProductLine

from .. import conf, pagecache
from ..blocks import heading_anchor
from ..forms import ArticleFilterForm, FeedbackForm
from ..models import (
    ArticleFeedback,
    ArticlePage,
    Audience,
    DocType,
    NewsPage,
    normalise_error_codes,
)
from .feedback import has_voted


@dataclass
class ListedPage:
    """A page in a listing, and whether it stands in for a missing translation."""

    page: ArticlePage | NewsPage
    fallback: bool = False
    matched_codes: list[str] = field(default_factory=list)

    @property
    def language_code(self) -> str:
        return self.page.locale.language_code

    @property
    def language_name(self) -> str:
        return get_language_info(self.language_code)["name_translated"]


def language_preference(language: str) -> list[str]:
    """Languages in the order a reader of ``language`` prefers them."""
    order = [language, settings.LANGUAGE_CODE, *(c for c, _n in settings.LANGUAGES)]
    return list(dict.fromkeys(order))


def pick_translations(rows: Iterable[tuple], language: str) -> list[tuple[int, bool]]:
    """One ``(pk, is_fallback)`` per translation group.

    ``rows`` are ``(pk, translation_key, language_code, ...)`` in listing order;
    a group takes the position of its first row.
    """
    groups: dict = {}
    for row in rows:
        pk, key, code = row[0], row[1], row[2]
        groups.setdefault(key, {}).setdefault(code, pk)
    preference = language_preference(language)
    picks = []
    for by_language in groups.values():
        for code in preference:
            if code in by_language:
                picks.append((by_language[code], code != language))
                break
        else:  # a language no longer configured: still list it
            picks.append((next(iter(by_language.values())), True))
    return picks


def fetch_listed(model, picks: list[tuple[int, bool]]) -> list[ListedPage]:
    """The pages behind ``picks``, in that order, ready for a listing template."""
    if not picks:
        return []
    queryset = model.objects.filter(pk__in=[pk for pk, _f in picks]).select_related(
        "locale"
    )
    if model is ArticlePage:
        queryset = queryset.select_related("area", "area__product_line")
    pages = {page.pk: page for page in queryset.prefetch_related("product_lines")}
    return [ListedPage(pages[pk], fallback) for pk, fallback in picks if pk in pages]


def paginate(request, items: list, per_page: int) -> PaginatorPage:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


# Knowledge base -------------------------------------------------------------


def filter_articles(queryset, cleaned: dict):
    """Apply the knowledge-base filters (product line, area, audience, type, tag)."""
    if cleaned.get("product_line"):
        queryset = queryset.filter(product_lines__code=cleaned["product_line"])
    if cleaned.get("area"):
        queryset = queryset.filter(area__code=cleaned["area"])
    if cleaned.get("audience"):
        queryset = queryset.filter(audience=cleaned["audience"])
    if cleaned.get("doc_type"):
        queryset = queryset.filter(doc_type=cleaned["doc_type"])
    if cleaned.get("tag"):
        queryset = queryset.filter(tags__slug=cleaned["tag"])
    return queryset


def browse_knowledge_base(request, index_page) -> dict:
    """Context of the knowledge-base index: the browse tree with article counts,
    the newest and most helpful articles, and the filtered list when filters
    are set."""
    language = index_page.locale.language_code
    visible = ArticlePage.objects.visible_to(request.user)

    rows = list(
        visible.values_list(
            "pk",
            "translation_key",
            "locale__language_code",
            "area_id",
            "product_lines__id",
        ).order_by("-first_published_at", "pk")
    )
    lines_of: dict[int, set] = defaultdict(set)
    area_of: dict[int, int | None] = {}
    key_of: dict[int, object] = {}
    for pk, key, _code, area_id, line_id in rows:
        if line_id:
            lines_of[pk].add(line_id)
        area_of[pk] = area_id
        key_of[pk] = key
    picks = pick_translations(rows, language)
    line_counts: Counter = Counter()
    area_counts: Counter = Counter()
    for pk, _fallback in picks:
        line_counts.update(lines_of[pk])
        if area_of[pk]:
            area_counts[area_of[pk]] += 1

    areas_by_line = defaultdict(list)
    for area in Area.objects.filter(pk__in=area_counts):
        areas_by_line[area.product_line_id].append(
            {"area": area, "count": area_counts[area.pk]}
        )
    browse = [
        {
            "line": line,
            "count": line_counts[line.pk],
            "areas": areas_by_line[line.pk],
        }
        for line in ProductLine.objects.filter(pk__in=line_counts)
    ]

    form = ArticleFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and not cleaned:
        # Keep whichever filters were valid: a stale link still narrows the list.
        cleaned = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    filtering = any(cleaned.get(name) for name in ArticleFilterForm.base_fields)

    context = {
        "filter_form": form,
        "browse": browse,
        "total_articles": len(picks),
        "filtering": filtering,
        "newest": fetch_listed(ArticlePage, picks[: conf.NEWEST_COUNT]),
        "most_helpful": most_helpful_articles(visible, picks, key_of),
        "active_filters": describe_filters(cleaned),
    }
    if filtering:
        filtered_rows = (
            filter_articles(visible, cleaned)
            .values_list("pk", "translation_key", "locale__language_code")
            .order_by("-first_published_at", "pk")
            .distinct()
        )
        page_obj = paginate(
            request, pick_translations(filtered_rows, language), conf.ARTICLES_PER_PAGE
        )
        context["page_obj"] = page_obj
        context["results"] = fetch_listed(ArticlePage, list(page_obj.object_list))
    return context


def most_helpful_articles(visible, picks, key_of: dict) -> list[ListedPage]:
    """The articles with most "yes, helpful" answers (all languages together),
    each in the reader's language where there is one. ``picks`` is the
    listing's choice of translations, ``key_of`` their translation keys."""
    top = (
        ArticleFeedback.objects.filter(page__in=visible)
        .values("page__translation_key")
        .annotate(
            yes=Count("pk", filter=Q(helpful=True)),
            total=Count("pk"),
        )
        .filter(yes__gt=0)
        .order_by("-yes", "total")[: conf.HELPFUL_COUNT]
    )
    keys = [row["page__translation_key"] for row in top]
    if not keys:
        return []
    by_key = {key_of[pk]: (pk, fallback) for pk, fallback in picks}
    chosen = [by_key[key] for key in keys if key in by_key]
    return fetch_listed(ArticlePage, chosen)


def describe_filters(cleaned: dict) -> list[dict]:
    """Human labels of the active filters (for "Showing: …" and for screen
    readers, which do not see the selected state of a collapsed select)."""
    labels = []
    if cleaned.get("product_line"):
        line = ProductLine.objects.filter(code=cleaned["product_line"]).first()
        labels.append({"name": "product_line", "label": line.name if line else ""})
    if cleaned.get("area"):
        area = Area.objects.filter(code=cleaned["area"]).first()
        labels.append({"name": "area", "label": area.name if area else ""})
    if cleaned.get("audience"):
        labels.append(
            {"name": "audience", "label": Audience(cleaned["audience"]).label}
        )
    if cleaned.get("doc_type"):
        labels.append({"name": "doc_type", "label": DocType(cleaned["doc_type"]).label})
    if cleaned.get("tag"):
        labels.append({"name": "tag", "label": cleaned["tag"]})
    return labels


def visible_translations(user, page) -> list[ListedPage]:
    """The page's other live translations that ``user`` may read."""
    model = type(page)
    others = (
        model.objects.visible_to(user)
        .filter(translation_key=page.translation_key)
        .exclude(pk=page.pk)
        .select_related("locale")
    )
    order = {code: i for i, (code, _n) in enumerate(settings.LANGUAGES)}
    return sorted(
        (ListedPage(other) for other in others),
        key=lambda item: order.get(item.language_code, 99),
    )


def related_keys(page: ArticlePage) -> list:
    """The translation keys of the related articles an editor chose, in order."""
    return list(
        page.related_links.order_by("sort_order").values_list(
            "target__translation_key", flat=True
        )
    )


def related_articles(user, page: ArticlePage, keys=None) -> list[ListedPage]:
    """The related articles an editor chose, in the page's language if
    translated, visible ones only. ``keys``: their ``related_keys``, when
    already read."""
    keys = related_keys(page) if keys is None else keys
    if not keys:
        return []
    rows = ArticlePage.objects.visible_to(user).filter(translation_key__in=keys)
    rows = list(rows.values_list("pk", "translation_key", "locale__language_code"))
    position = {key: i for i, key in enumerate(keys)}
    rows.sort(key=lambda row: position[row[1]])
    picks = [
        pick
        for pick in pick_translations(rows, page.locale.language_code)
        if pick[0] != page.pk
    ]
    return fetch_listed(ArticlePage, picks)


def article_context(request, page: ArticlePage) -> dict:
    """What an article shows besides its fields. "Was this helpful?" is the
    reader's own: ``feedback_context``, rendered apart (kb.pagecache)."""
    keys = related_keys(page)
    # A cached article is stale when a related article changes.
    pagecache.depend_on(request, *(pagecache.translation_tag(key) for key in keys))
    return {
        "translations": visible_translations(request.user, page),
        "related": related_articles(request.user, page, keys),
        "toc": table_of_contents(page),
        "product_lines": list(page.product_lines.all()),
    }


def _has_answered(request, page_id: str) -> bool:
    session = getattr(request, "session", None)
    session_key = session.session_key if session is not None else None
    return bool(session_key) and has_voted(int(page_id), session_key)


def feedback_context(request, page_id: str) -> dict:
    """The context of "Was this helpful?" for this reader's session: the form,
    or thanks when the session has answered (kb/includes/feedback.html)."""
    return {
        "page_id": int(page_id),
        "feedback_form": FeedbackForm(),
        "already_voted": _has_answered(request, page_id),
    }


def feedback_shape(request, page_id: str) -> bool:
    """All that tells two readers' "Was this helpful?" apart (besides the
    language, the page and the CSRF token): has the session answered?"""
    return _has_answered(request, page_id)


def account_nav_shape(request) -> bool | None:
    """The header's account links show whether the reader is logged in and
    nothing of who they are (portal/includes/account_nav.html)."""
    user = getattr(request, "user", None)
    return None if user is None else bool(user.is_authenticated)


_H2_RE = re.compile(r'<h2(?: id="([^"]*)")?[^>]*>(.*?)</h2>', re.S)


def table_of_contents(page) -> list[dict]:
    """The H2 sections of a body, for the "On this page" list."""
    entries = []
    for block in page.body.raw_data:
        if block["type"] == "heading" and block["value"].get("level") == "h2":
            text = block["value"].get("text", "")
            anchor = block["value"].get("anchor") or heading_anchor(text)
            entries.append({"text": text, "anchor": heading_anchor(anchor)})
        elif block["type"] == "paragraph":
            for given, inner in _H2_RE.findall(block["value"]):
                text = strip_tags(inner).strip()
                if text:
                    # An imported heading keeps its id (kb.richtext); the
                    # heading_ids filter gives the others one from the text.
                    anchor = given or heading_anchor(text)
                    entries.append({"text": text, "anchor": anchor})
    return entries if len(entries) > 1 else []


# Error codes ----------------------------------------------------------------


LOG_CODE_RE = re.compile(r"\b([A-Z]{2,5}-\d{3,5})\b")


def error_codes_in_log(text: str) -> list[str]:
    """The error codes in an error log such as SISERR.LOG, in order of first
    appearance (``2026-03-02 10:15:22 ERROR SIS-1042 Archivio bloccato …``)."""
    return list(dict.fromkeys(LOG_CODE_RE.findall(text or "")))


def articles_for_error_codes(codes, user, lang: str) -> list[ListedPage]:
    """Articles that solve any of ``codes`` (e.g. found in an uploaded
    SISERR.LOG), that ``user`` may read, one per article in ``lang`` where
    translated. Most matching codes first, then newest. Each item's
    ``matched_codes`` lists the codes it solves."""
    wanted = normalise_error_codes(codes)
    if not wanted:
        return []
    queryset = ArticlePage.objects.visible_to(user).with_error_codes(wanted)
    rows = list(
        queryset.values_list(
            "pk", "translation_key", "locale__language_code", "error_codes"
        ).order_by("-first_published_at", "pk")
    )
    codes_of = {row[0]: normalise_error_codes(row[3]) for row in rows}
    items = fetch_listed(ArticlePage, pick_translations(rows, lang))
    for item in items:
        item.matched_codes = [c for c in wanted if c in codes_of[item.page.pk]]
    # sorted() is stable: equal matches keep the newest-first order.
    return sorted(items, key=lambda item: -len(item.matched_codes))


# News -----------------------------------------------------------------------


def licensed_product_lines(user) -> list[ProductLine]:
    customer = getattr(user, "customer", None) if user.is_authenticated else None
    if customer is None:
        return []
    return list(customer.product_lines.all())


def licensed_lines_variant(request) -> str:
    """The news digest's page-cache variant (kb.pagecache): the product lines
    the reader's company licenses, which many customers share."""
    return ",".join(
        sorted(str(line.pk) for line in licensed_product_lines(request.user))
    )


def news_rows(queryset):
    return (
        queryset.values_list("pk", "translation_key", "locale__language_code")
        .order_by("-date", "-first_published_at", "-pk")
        .distinct()
    )


def news_digest_context(request, index_page) -> dict:
    """The digest: for a logged-in customer the news of the product lines its
    company licenses (plus news for everybody), unless ``?all=1``; newest
    first, paginated."""
    language = index_page.locale.language_code
    queryset = NewsPage.objects.visible_to(request.user)
    licensed = licensed_product_lines(request.user)
    show_all = request.GET.get("all") == "1"
    mine_only = bool(licensed) and not show_all
    if mine_only:
        queryset = queryset.filter(
            Q(product_lines__in=licensed) | Q(product_lines__isnull=True)
        )
    line = None
    if request.GET.get("product_line"):
        line = ProductLine.objects.filter(code=request.GET["product_line"]).first()
        if line is not None:
            queryset = queryset.filter(product_lines=line)
    page_obj = paginate(
        request, pick_translations(news_rows(queryset), language), conf.NEWS_PER_PAGE
    )
    return {
        "news_items": fetch_listed(NewsPage, list(page_obj.object_list)),
        "page_obj": page_obj,
        "licensed_lines": licensed,
        "show_all": show_all,
        "mine_only": mine_only,
        "product_line": line,
        "feed_lines": list(ProductLine.objects.active()),
    }


def news_for_feed(language: str, product_line: ProductLine | None = None):
    """Public news for a feed, newest first, one per item in ``language``."""
    queryset = NewsPage.objects.visible_to(None)
    if product_line is not None:
        queryset = queryset.filter(product_lines=product_line)
    picks = pick_translations(news_rows(queryset), language)[: conf.FEED_ITEMS]
    return fetch_listed(NewsPage, picks)


def news_context(request, page: NewsPage) -> dict:
    return {
        "translations": visible_translations(request.user, page),
        "product_lines": list(page.product_lines.all()),
    }
