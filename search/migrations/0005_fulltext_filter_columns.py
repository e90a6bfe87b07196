"""Filter and facet values beside the full-text index (database backend).

Large result sets are counted, sampled for facets and ranked by their best
candidates without joining every match to ``search_searchdocument``:

- SQLite: ``search_document_fts`` gains a ``meta`` column of one token per
  filter value (language, visibility, product line, area, type, audience,
  tags; see ``engine.meta_token``), so a filtered count is a single FTS5
  query. FTS5 tables cannot gain a column: the table is recreated and the
  live documents analysed again.
- PostgreSQL: ``search_document_tsv`` gains the filter columns, the tags as
  an array, and ``head``, the title, tags and summary part of the weighted
  tsvector (GIN-indexed), by which the best candidates are found and ranked.
"""

from django.db import migrations

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "title, keywords, summary, body, {meta}"
    "tokenize='unicode61 remove_diacritics 0')"
)
POSTGRESQL_FORWARD = [
    "ALTER TABLE search_document_tsv "
    "ADD COLUMN lang varchar(8) NOT NULL DEFAULT '', "
    "ADD COLUMN visibility varchar(20) NOT NULL DEFAULT '', "
    "ADD COLUMN product_line varchar(60) NOT NULL DEFAULT '', "
    "ADD COLUMN area varchar(60) NOT NULL DEFAULT '', "
    "ADD COLUMN doc_type varchar(20) NOT NULL DEFAULT '', "
    "ADD COLUMN audience varchar(20) NOT NULL DEFAULT '', "
    "ADD COLUMN published date NULL, "
    "ADD COLUMN tags text[] NOT NULL DEFAULT '{}', "
    "ADD COLUMN head tsvector NOT NULL DEFAULT ''",
    "UPDATE search_document_tsv v SET lang = d.lang, visibility = d.visibility, "
    "product_line = d.product_line, area = d.area, doc_type = d.doc_type, "
    "audience = d.audience, published = d.published, "
    "tags = ARRAY(SELECT DISTINCT t.tag FROM search_searchdocumenttag t "
    "WHERE t.document_id = d.id), head = ts_filter(v.document, '{a,b,c}') "
    "FROM search_searchdocument d WHERE d.id = v.document_id",
    "CREATE INDEX search_document_tsv_head ON search_document_tsv USING gin (head)",
    "CREATE INDEX search_document_tsv_lang ON search_document_tsv (lang, visibility)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tsv_lang",
    "DROP INDEX IF EXISTS search_document_tsv_head",
    "ALTER TABLE search_document_tsv DROP COLUMN lang, DROP COLUMN visibility, "
    "DROP COLUMN product_line, DROP COLUMN area, DROP COLUMN doc_type, "
    "DROP COLUMN audience, DROP COLUMN published, DROP COLUMN tags, "
    "DROP COLUMN head",
]


def _recreate_sqlite(apps, connection, with_meta: bool) -> None:
    from search.backends.database.engine import analyse_document

    SearchDocument = apps.get_model("search", "SearchDocument")
    SearchDocumentBody = apps.get_model("search", "SearchDocumentBody")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS search_document_fts")
        cursor.execute(SQLITE_FTS.format(meta="meta, " if with_meta else ""))
        documents = SearchDocument.objects.using(connection.alias).filter(live=True)
        batch: list = []

        def flush() -> None:
            bodies = dict(
                SearchDocumentBody.objects.using(connection.alias)
                .filter(document_id__in=[d.pk for d in batch])
                .values_list("document_id", "text")
            )
            rows = []
            for document in batch:
                document.body = bodies.get(document.pk, "")
                row = analyse_document(document.pk, document)[0]
                values = [row.id, row.title, row.keywords, row.summary, row.body]
                rows.append([*values, row.meta] if with_meta else values)
            columns = "rowid, title, keywords, summary, body"
            if with_meta:
                columns += ", meta"
            marks = ", ".join(["%s"] * (6 if with_meta else 5))
            cursor.executemany(
                f"INSERT INTO search_document_fts ({columns}) VALUES ({marks})",  # noqa: S608 (fixed identifiers)
                rows,
            )
            batch.clear()

        for document in documents.iterator(chunk_size=1000):
            batch.append(document)
            if len(batch) == 1000:
                flush()
        if batch:
            flush()


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        _recreate_sqlite(apps, connection, with_meta=True)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in POSTGRESQL_FORWARD:
                cursor.execute(statement)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        _recreate_sqlite(apps, connection, with_meta=False)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in POSTGRESQL_BACKWARD:
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_add_search_browse_indexes")]

    operations = [migrations.RunPython(forward, backward)]
