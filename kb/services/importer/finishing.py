"""The end of an import, once every line is written: parents' child counts,
product lines and tags, kb: links, related articles, revisions (made live),
the page history and the reference and search indexes, in bulk."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError
from django.db.models import F
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision

from ... import conf
from ...models import ArticlePage, ArticlePageTag, ArticleRelatedLink, NewsPage
from ...richtext import resolve_kb_links
from .parsing import ImportReport
from .writer import PageWriter

logger = logging.getLogger(__name__)


class Finisher:
    """The bulk steps after the last line, on the state a PageWriter kept."""

    def __init__(self, writer: PageWriter):
        self.now = writer.now
        self.touched = writer.touched
        self.added_children = writer.added_children
        self.line_links = writer.line_links
        self.tag_links = writer.tag_links
        self.targets = writer.targets
        self.linking = writer.linking
        self.related = writer.related

    def run(self, report: ImportReport) -> None:
        """After every line: parents' child counts, tags and product lines,
        kb: links, related articles, revisions and the search and reference
        indexes."""
        for parent_pk, added in self.added_children.items():
            Page.objects.filter(pk=parent_pk).update(numchild=F("numchild") + added)
        self.write_relations()
        self.resolve_links(report)
        self.link_related(report)
        self.publish_and_index()

    def write_relations(self) -> None:
        """Product lines and tags of every touched page, replaced in bulk."""
        updated = [pk for pk, (_m, _l, created) in self.touched.items() if not created]
        for model in (ArticlePage, NewsPage):
            through = model.product_lines.through
            pks = {pk for pk, (m, _l, _c) in self.touched.items() if m is model}
            stale = [pk for pk in updated if pk in pks]
            column = f"{model._meta.model_name}_id"
            for start in range(0, len(stale), 500):
                through.objects.filter(
                    **{f"{column}__in": stale[start : start + 500]}
                ).delete()
            through.objects.bulk_create(
                [
                    through(**{column: pk, "productline_id": line_pk})
                    for pk in pks
                    for line_pk in self.line_links[pk]
                ],
                batch_size=500,
            )
        stale = [pk for pk in updated if pk in self.tag_links]
        for start in range(0, len(stale), 500):
            ArticlePageTag.objects.filter(
                content_object_id__in=stale[start : start + 500]
            ).delete()
        ArticlePageTag.objects.bulk_create(
            [
                ArticlePageTag(content_object_id=pk, tag_id=tag_pk)
                for pk, tag_pks in self.tag_links.items()
                for tag_pk in tag_pks
            ],
            batch_size=500,
        )

    def target(self, key: str, language: str) -> int | None:
        """The page a link to ``key`` from a ``language`` page goes to: the
        translation in that language if there is one, else any."""
        found = self.targets.get(key)
        if not found:
            return None
        for code in (language, settings.LANGUAGE_CODE):
            if code in found:
                return found[code]
        return next(iter(found.values()))

    def resolve_links(self, report: ImportReport) -> None:
        unknown: set[str] = set()

        for pk, blocks in sorted(self.linking.items()):
            model, language, _created = self.touched[pk]

            def resolve(key: str, language=language) -> int | None:
                found = self.target(key, language)
                if found is None:
                    unknown.add(key)
                return found

            model.objects.filter(pk=pk).update(body=resolve_kb_links(blocks, resolve))
        if unknown:
            report.warnings.append(
                "links to unknown articles were dropped: " + ", ".join(sorted(unknown))
            )

    def link_related(self, report: ImportReport) -> None:
        """Replace the related articles of every imported article that lists
        some (an article whose line has no "related" keeps the editors')."""
        links, unknown = [], set()
        pages = [pk for pk, keys in self.related.items() if keys]
        for pk in pages:
            language = self.touched[pk][1]
            for order, key in enumerate(self.related[pk]):
                target = self.target(key, language)
                if target is None:
                    unknown.add(key)
                elif target != pk:
                    links.append(
                        ArticleRelatedLink(
                            page_id=pk, target_id=target, sort_order=order
                        )
                    )
        articles = set(
            ArticlePage.objects.filter(
                pk__in={link.target_id for link in links}
            ).values_list("pk", flat=True)
        )
        links = [link for link in links if link.target_id in articles]
        if pages:
            ArticleRelatedLink.objects.filter(page_id__in=pages).delete()
            ArticleRelatedLink.objects.bulk_create(links, batch_size=500)
        if unknown:
            report.warnings.append(
                "unknown related articles were left out: " + ", ".join(sorted(unknown))
            )

    def fetch_touched(self):
        """The touched pages, fresh from the database, in chunks, with every
        relation a revision or an index needs already loaded."""
        by_model: dict[type, list[int]] = {}
        for pk, (model, _l, _c) in self.touched.items():
            by_model.setdefault(model, []).append(pk)
        chunk = conf.IMPORT_INDEX_CHUNK
        for model, pks in by_model.items():
            relations = [
                rel.get_accessor_name() for rel in get_all_child_relations(model)
            ] + [field.name for field in get_all_child_m2m_relations(model)]
            for start in range(0, len(pks), chunk):
                yield (
                    model,
                    list(
                        model.objects.filter(pk__in=pks[start : start + chunk])
                        .select_related("locale")
                        .prefetch_related(*relations)
                    ),
                )

    def publish_and_index(self) -> None:
        """For every touched page: one revision, made its live revision (what
        ``save_revision().publish()`` leaves behind, without the per-page
        publish machinery), then its reference-index rows and its search-index
        entry, a chunk at a time."""
        from modelsearch.backends import get_search_backends_with_name

        backends = list(get_search_backends_with_name(with_auto_update=True))
        base_type = ContentType.objects.get_for_model(Page)
        for model, pages in self.fetch_touched():
            content_type = ContentType.objects.get_for_model(model)
            revisions = Revision.objects.bulk_create(
                [
                    Revision(
                        content_type=content_type,
                        base_content_type=base_type,
                        object_id=str(page.pk),
                        created_at=self.now,
                        object_str=page.title[:255],
                        content=page.serializable_data(),
                    )
                    for page in pages
                ]
            )
            for page, revision in zip(pages, revisions, strict=True):
                page.latest_revision = page.live_revision = revision
                page.has_unpublished_changes = False
                Page.objects.filter(pk=page.pk).update(
                    latest_revision=revision,
                    live_revision=revision if page.live else F("live_revision"),
                    has_unpublished_changes=False,
                )
            self.log_actions(content_type, pages)
            self.index_references(content_type, base_type, pages)
            for name, backend in backends:
                try:
                    backend.add_bulk(model, pages)
                except DatabaseError:
                    raise
                except Exception:  # noqa: BLE001 - an external index may be down
                    logger.exception("could not index imported pages in %s", name)

    def log_actions(self, content_type, pages) -> None:
        """The page history: "Created" for new pages, "Published" for all."""
        entries = []
        for page in pages:
            created = self.touched[page.pk][2]
            actions = ["wagtail.create", "wagtail.publish"] if created else []
            for action in actions or ["wagtail.publish"]:
                entries.append(
                    PageLogEntry(
                        content_type=content_type,
                        page_id=page.pk,
                        label=page.title,
                        action=action,
                        timestamp=self.now,
                        revision=page.latest_revision,
                        content_changed=True,
                        data={"source": "import"},
                    )
                )
        PageLogEntry.objects.bulk_create(entries, batch_size=500)

    def index_references(self, content_type, base_type, pages) -> None:
        """Wagtail's reference index ("usage") for freshly written pages: the
        old rows go, the new ones are inserted in one batch."""
        ReferenceIndex.objects.filter(
            base_content_type=base_type, object_id__in=[str(p.pk) for p in pages]
        ).delete()
        rows = []
        for page in pages:
            # The same extraction create_or_update_for_object() runs per page.
            for target_type, target_id, model_path, content_path in set(
                ReferenceIndex._extract_references_from_object(page)
            ):
                rows.append(
                    ReferenceIndex(
                        content_type=content_type,
                        base_content_type=base_type,
                        object_id=page.pk,
                        to_content_type_id=target_type,
                        to_object_id=target_id,
                        model_path=model_path,
                        content_path=content_path,
                        content_path_hash=ReferenceIndex._get_content_path_hash(
                            content_path
                        ),
                    )
                )
        ReferenceIndex.objects.bulk_create(rows, batch_size=500)
