"""Filter values as lexemes of the PostgreSQL tsvectors (database backend).

Each ``head`` and ``document`` tsvector of ``search_document_tsv`` gains its
document's language, visibility, product line, area, type, audience and tags
as lexemes without positions, spelled as ``engine.meta_token`` spells them
("0" + kind letter + the value's UTF-8 bytes in hex; SQLite's ``meta`` column
holds the same tokens). A search then asks the GIN index for the word *and*
the language and visibility, instead of checking the language on every row
the word finds in all three languages. The values are already in the table's
own columns (migration 0005), so no document is analysed again.

The rows are also kept whole in the table up to 8,160 bytes
(``toast_tuple_target``) instead of moving their tsvectors out of line from
about 2 kB: ranking reads the tsvector of every candidate, and fetching it from
the TOAST table doubled the time of ranking 2,000 candidates. Counting large
result sets, which reads no row any more (``PostgreSQLEngine.index_count``),
does not suffer from the larger table. The update below rewrites every row, so
the setting applies to the rows already there. SQLite needs nothing.
"""

from django.db import migrations


def _token(kind: str, column: str) -> str:
    return f"'0{kind}' || encode(convert_to({column}, 'UTF8'), 'hex')"


META = (
    "array_to_tsvector(ARRAY["
    + ", ".join(
        _token(kind, column)
        for kind, column in (
            ("l", "lang"),
            ("v", "visibility"),
            ("p", "product_line"),
            ("a", "area"),
            ("d", "doc_type"),
            ("u", "audience"),
        )
    )
    + "] || ARRAY(SELECT DISTINCT "
    + _token("t", "tag")
    + " FROM unnest(tags) AS t(tag)))"
)
FORWARD = [
    "ALTER TABLE search_document_tsv SET (toast_tuple_target = 8160)",
    f"UPDATE search_document_tsv SET head = head || {META}, "
    f"document = document || {META}",
]

# The text's lexemes always have positions; the filter lexemes never do.
_WITHOUT_META = (
    "ts_delete({column}, ARRAY(SELECT lexeme FROM unnest({column}) "
    "WHERE positions IS NULL))"
)
BACKWARD = [
    "ALTER TABLE search_document_tsv RESET (toast_tuple_target)",
    "UPDATE search_document_tsv SET "
    f"head = {_WITHOUT_META.format(column='head')}, "
    f"document = {_WITHOUT_META.format(column='document')}",
]


def _run(statements: list[str], schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def forward(apps, schema_editor):
    _run(FORWARD, schema_editor)


def backward(apps, schema_editor):
    _run(BACKWARD, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_drop_fulltext_language_index")]

    operations = [migrations.RunPython(forward, backward)]
