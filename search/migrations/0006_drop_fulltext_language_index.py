"""Drop the (lang, visibility) index of ``search_document_tsv`` (PostgreSQL).

Migration 0005 added it for filtered counts, but the planner then preferred it
to the GIN index and tested ``@@`` on every tsvector of the language, each one
read from TOAST: ten to fifty times slower for words found in thousands of
documents. The language and visibility are now checked on the heap rows that
the GIN index finds (see ``PostgreSQLEngine.reading``).
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS search_document_tsv_lang "
    "ON search_document_tsv (lang, visibility)"
)
DROP = "DROP INDEX IF EXISTS search_document_tsv_lang"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_fulltext_filter_columns")]

    operations = [migrations.RunPython(drop_index, create_index)]
