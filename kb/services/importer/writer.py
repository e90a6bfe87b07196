"""Writing the pages of an import: taxonomy, tags, the page tree and the page
rows themselves. What can wait until every line is in (relations, links,
revisions, indexes) is left to ``finishing``."""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from datetime import time as dt_time

from django.db import transaction
from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.models import Locale, Page
from wagtail.signal_handlers import disable_reference_index_auto_update

from taxonomy.models import Area, ProductLine

from ...models import ArticlePage, KnowledgeBaseIndexPage, NewsIndexPage, NewsPage
from ...richtext import kb_link_keys
from ..pages import MissingHomePage, ensure_index_page
from .parsing import NEWS, LineError, ParsedLine

logger = logging.getLogger(__name__)


@contextmanager
def deferred_indexing(models):
    """Skip the search-index update on every save of ``models`` (and the
    reference-index update on every save); the importer indexes in bulk once
    it is done."""
    from modelsearch.signal_handlers import post_save_signal_handler

    disconnected = [
        model
        for model in models
        if post_save.disconnect(post_save_signal_handler, sender=model)
    ]
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in disconnected:
            post_save.connect(post_save_signal_handler, sender=model)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, dt_time(9, 0)))


class PageWriter:
    """Caches and in-memory state of one import run."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.now = timezone.now()
        self.locales = {locale.language_code: locale for locale in Locale.objects.all()}
        self.parents: dict[tuple, Page | None] = {}
        self.next_step: dict[int, int] = {}
        self.added_children: dict[int, int] = {}
        self.slugs: dict[int, set[str]] = {}
        self.lines_by_value: dict[str, ProductLine] = {}
        self.all_lines = list(ProductLine.objects.all())
        self.areas: dict[tuple[int, str], Area] = {}
        self.tags: dict[str, Tag] = {}
        # Existing pages: (model, import key, language) -> pk, and the
        # translation key each import key belongs to.
        self.existing: dict[tuple, int] = {}
        self.group_key: dict[str, uuid.UUID] = {}
        self.by_translation: dict[tuple, int] = {}
        self.targets: dict[str, dict[str, int]] = {}
        for model in (ArticlePage, NewsPage):
            rows = model.objects.values_list(
                "pk", "import_key", "translation_key", "locale__language_code"
            )
            for pk, key, translation_key, code in rows:
                self.by_translation[(model, translation_key, code)] = pk
                if key:
                    self.existing.setdefault((model, key, code), pk)
                    self.group_key.setdefault(key, translation_key)
                    self.targets.setdefault(key, {}).setdefault(code, pk)
        # pk -> (model, language, created) of every page written
        self.touched: dict[int, tuple[type, str, bool]] = {}
        self.linking: dict[int, list[dict]] = {}  # pk -> blocks with kb: links
        self.related: dict[int, list[str]] = {}
        self.line_links: dict[int, list[int]] = {}
        self.tag_links: dict[int, list[int]] = {}

    # Taxonomy

    def product_line(self, value: str) -> ProductLine:
        if value in self.lines_by_value:
            return self.lines_by_value[value]
        code = slugify(value)[:60] or "product-line"
        lowered = value.lower()
        line = next(
            (
                candidate
                for candidate in self.all_lines
                if candidate.code in (value, code)
                or lowered
                in (
                    candidate.name_en.lower(),
                    candidate.name_it.lower(),
                    candidate.name_fi.lower(),
                )
            ),
            None,
        )
        if line is None:
            line = ProductLine(
                code=code, name_en=value, name_it=value, name_fi=value, sort_order=100
            )
            if not self.dry_run:
                line.save()
                logger.info("import created product line %s", code)
            self.all_lines.append(line)
        self.lines_by_value[value] = line
        return line

    def area(self, line: ProductLine, value: str) -> Area | None:
        if not value:
            return None
        cache_key = (id(line), value)
        if cache_key in self.areas:
            return self.areas[cache_key]
        code = slugify(value)[:60] or "area"
        area = None
        if line.pk:
            lowered = value.lower()
            for candidate in Area.objects.filter(product_line=line):
                names = (
                    c.lower()
                    for c in (candidate.name_en, candidate.name_it, candidate.name_fi)
                )
                if candidate.code in (value, code) or lowered in names:
                    area = candidate
                    break
        if area is None:
            area = Area(
                product_line=line,
                code=code,
                name_en=value,
                name_it=value,
                name_fi=value,
                sort_order=100,
            )
            if not self.dry_run:
                area.save()
        self.areas[cache_key] = area
        return area

    def prepare_tags(self, parsed: list[ParsedLine]) -> None:
        """Load, and create in one batch, every tag the file uses. Tags match
        case-insensitively: "Backup" in one line and "backup" in another (or
        in the database) are one tag."""
        wanted: dict[str, str] = {}
        for line in parsed:
            for name in line.tags:
                wanted.setdefault(name.lower(), name)
        if not wanted:
            return
        self.tags = {
            tag.lowered: tag
            for tag in Tag.objects.annotate(lowered=Lower("name")).filter(
                lowered__in=list(wanted)
            )
        }
        missing = [name for lowered, name in wanted.items() if lowered not in self.tags]
        if not missing or self.dry_run:
            return
        slugs = {name: slugify(name, allow_unicode=True)[:100] for name in missing}
        taken = set(
            Tag.objects.filter(slug__in=slugs.values()).values_list("slug", flat=True)
        )
        fresh, clashing = [], []
        for name in missing:
            if slugs[name] and slugs[name] not in taken:
                taken.add(slugs[name])
                fresh.append(Tag(name=name, slug=slugs[name]))
            else:
                clashing.append(name)
        for tag in Tag.objects.bulk_create(fresh, batch_size=500):
            self.tags[tag.name.lower()] = tag
        # A slug already taken by another name ("c++" and "c"): taggit's own
        # save finds a free one; there are few.
        for name in clashing:
            self.tags[name.lower()] = Tag.objects.get_or_create(name=name)[0]

    # Tree

    def parent_for(self, parsed: ParsedLine) -> Page:
        index_model = (
            NewsIndexPage if parsed.doc_type == NEWS else KnowledgeBaseIndexPage
        )
        cache_key = (index_model, parsed.lang)
        if cache_key not in self.parents:
            if self.dry_run:
                page = index_model.objects.filter(
                    locale__language_code=parsed.lang
                ).first()
                if (
                    page is None
                    and not Page.objects.filter(
                        depth=2, locale__language_code=parsed.lang
                    ).exists()
                ):
                    raise LineError(f"no home page in language {parsed.lang!r}")
            else:
                try:
                    page = ensure_index_page(index_model, parsed.lang)
                except MissingHomePage:
                    raise LineError(
                        f"no home page in language {parsed.lang!r}"
                    ) from None
            self.parents[cache_key] = page
        return self.parents[cache_key]

    def unique_slug(self, parent: Page, title: str, key: str) -> str:
        if parent.pk not in self.slugs:
            self.slugs[parent.pk] = set(
                Page.objects.child_of(parent).values_list("slug", flat=True)
            )
        taken = self.slugs[parent.pk]
        base = (
            slugify(title, allow_unicode=True)[:200]
            or slugify(key.replace("/", "-"))[:200]
            or "article"
        )
        slug, suffix = base, 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        taken.add(slug)
        return slug

    def next_path(self, parent: Page) -> str:
        if parent.pk not in self.next_step:
            last = Page.objects.child_of(parent).order_by("-path").first()
            self.next_step[parent.pk] = (
                Page._str2int(last.path[-Page.steplen :]) if last else 0
            )
        self.next_step[parent.pk] += 1
        return Page._get_path(parent.path, parent.depth + 1, self.next_step[parent.pk])

    # Pages

    def find_existing(self, parsed: ParsedLine) -> int | None:
        model = parsed.model
        pk = self.existing.get((model, parsed.key, parsed.lang))
        if pk is None and parsed.key in self.group_key:
            pk = self.by_translation.get(
                (model, self.group_key[parsed.key], parsed.lang)
            )
        if pk is None:
            other = NewsPage if model is ArticlePage else ArticlePage
            if (other, parsed.key, parsed.lang) in self.existing:
                raise LineError(f"key {parsed.key!r} belongs to a page of another kind")
        return pk

    def write(self, parsed: ParsedLine) -> bool:
        """Create or update the page of one line; True if created.

        Tags and product lines are collected here and written in bulk by
        ``finish``; an update is a plain UPDATE of the page's own fields."""
        model = parsed.model
        parent = self.parent_for(parsed)
        lines = [self.product_line(value) for value in parsed.product_lines]
        area = self.area(lines[0], parsed.area) if lines else None
        existing_pk = self.find_existing(parsed)
        if self.dry_run:
            if existing_pk is None:
                self.existing[(model, parsed.key, parsed.lang)] = -1
            return existing_pk is None

        values = {
            "title": parsed.title,
            "draft_title": parsed.title,
            "summary": parsed.summary,
            "body": parsed.blocks,
            "visibility": parsed.visibility,
            "first_published_at": _aware(parsed.published),
            "last_published_at": self.now,
            "latest_revision_created_at": self.now,
        }
        if model is ArticlePage:
            values.update(
                area=area,
                doc_type=parsed.doc_type,
                audience=parsed.audience,
                new_in_release=parsed.new_in_release,
                error_codes="\n".join(parsed.error_codes),
                last_reviewed=parsed.last_reviewed or parsed.published,
            )
        else:
            values["date"] = parsed.published

        with transaction.atomic():
            if existing_pk is not None:
                model.objects.filter(pk=existing_pk).update(**values)
                pk, created = existing_pk, False
            else:
                page = model(
                    locale=self.locales[parsed.lang],
                    translation_key=self.group_key.setdefault(parsed.key, uuid.uuid4()),
                    import_key=parsed.key,
                    slug=self.unique_slug(parent, parsed.title, parsed.key),
                    live=True,
                    has_unpublished_changes=False,
                    depth=parent.depth + 1,
                    numchild=0,
                    path=self.next_path(parent),
                    **values,
                )
                # Spare Page.save() its parent and site-root queries.
                page._cached_parent_obj = parent
                page._is_site_root = False
                # log_action=None: the creation is logged in bulk by finish().
                page.save(clean=False, log_action=None)
                pk, created = page.pk, True
        if created:
            self.added_children[parent.pk] = self.added_children.get(parent.pk, 0) + 1
            self.existing[(model, parsed.key, parsed.lang)] = pk
            self.by_translation[(model, page.translation_key, parsed.lang)] = pk
        self.targets.setdefault(parsed.key, {})[parsed.lang] = pk
        self.touched[pk] = (model, parsed.lang, created)
        self.line_links[pk] = [line.pk for line in lines]
        if model is ArticlePage:
            self.tag_links[pk] = [self.tags[name.lower()].pk for name in parsed.tags]
            self.related[pk] = parsed.related
        if kb_link_keys(parsed.blocks):
            self.linking[pk] = parsed.blocks
        return created
