"""Indexes for browsing and counting on large indexes (database backend).

Browsing without words lists documents newest first: an index in exactly that
order (undated last, then newest id) lets the database read the first page
instead of sorting every document of the language. Facet counts group the
matched documents by product line, area, type and audience: an index holding
those columns answers the counts without reading the table. Neither is a
model index (the order with NULLS LAST cannot be one on every vendor), so
both are created here per vendor, as migration 0002 does.
"""

from django.db import migrations

COMMON = [
    "CREATE INDEX search_doc_facets ON search_searchdocument "
    "(lang, live, visibility, product_line, area, doc_type, audience)",
]
SQLITE_CREATE = [
    "CREATE INDEX search_doc_newest ON search_searchdocument "
    "(lang, live, published DESC, id DESC)",
    *COMMON,
]
POSTGRESQL_CREATE = [
    "CREATE INDEX search_doc_newest ON search_searchdocument "
    "(lang, live, published DESC NULLS LAST, id DESC)",
    *COMMON,
]
DROP = [
    "DROP INDEX IF EXISTS search_doc_newest",
    "DROP INDEX IF EXISTS search_doc_facets",
]


def create_indexes(apps, schema_editor):
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor not in {"sqlite", "postgresql"}:
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in DROP:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_create_search_log")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
