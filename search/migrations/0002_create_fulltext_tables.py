"""Full-text tables of the database search backend, per database vendor.

SQLite: FTS5 virtual tables holding the analysed (folded, stemmed) text; their
rowid is the SearchDocument id. PostgreSQL: a table of tsvectors with GIN
indexes, and (when the pg_trgm extension can be created, which may need more
rights than production grants) a trigram index on the vocabulary. None of these
tables has a foreign key: the backend keeps them in step with SearchDocument,
and flushing the models' tables (tests) must not trip over them.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "title, keywords, summary, body, tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_title_fts USING fts5("
    "title, tokenize='unicode61 remove_diacritics 0', prefix='4 5 6')",
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS search_title_fts",
    "DROP TABLE IF EXISTS search_document_fts",
]
POSTGRESQL_CREATE = [
    "CREATE TABLE search_document_tsv ("
    "document_id bigint PRIMARY KEY, document tsvector NOT NULL, "
    "title tsvector NOT NULL)",
    "CREATE INDEX search_document_tsv_document ON search_document_tsv "
    "USING gin (document)",
    "CREATE INDEX search_document_tsv_title ON search_document_tsv USING gin (title)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS search_term_trgm",
    "DROP TABLE IF EXISTS search_document_tsv",
]


def create_fulltext_tables(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in SQLITE_CREATE:
                cursor.execute(statement)
        elif connection.vendor == "postgresql":
            for statement in POSTGRESQL_CREATE:
                cursor.execute(statement)
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError as error:
                logger.warning(
                    "pg_trgm not available (%s): 'did you mean' uses the "
                    "vocabulary scan instead of trigram similarity.",
                    error,
                )
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cursor.fetchone():
                cursor.execute(
                    "CREATE INDEX search_term_trgm ON search_searchterm "
                    "USING gin (term gin_trgm_ops)"
                )


def drop_fulltext_tables(apps, schema_editor):
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_create_search_tables")]

    operations = [
        migrations.RunPython(create_fulltext_tables, drop_fulltext_tables),
    ]
