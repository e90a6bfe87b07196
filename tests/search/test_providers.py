"""Document providers feed the rebuild command and the background tasks."""

import io
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command

from search import services
from search.documents import SearchQuery
from search.providers import register_document_provider, unregister_document_provider
from search.tasks import index_document_task, remove_document_task

from .corpus import CORPUS, ENGLISH, ITALIAN


@pytest.fixture
def library(db, settings):
    """A provider backed by a dict that the tests edit, like an app's pages."""
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
    documents = {(d.key, d.lang): d for d in ITALIAN}
    register_document_provider(
        "library",
        documents=lambda: list(documents.values()),
        lookup=lambda key, lang: documents.get((key, lang)),
        key_prefix="kb-",
    )
    register_document_provider("manuals", documents=lambda: ENGLISH)
    yield documents
    unregister_document_provider("library")
    unregister_document_provider("manuals")


def found(text, lang="it"):
    results = services.search_documents(SearchQuery(text=text, lang=lang))
    return [hit.key for hit in results.hits]


def test_rebuild_command_indexes_every_provider(library):
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert f"default: {len(ITALIAN) + len(ENGLISH)} documents indexed" in out.getvalue()
    assert "kb-label-printer" in found("stampante")
    assert found("invoices", lang="en") == ["kb-invoice-terms"]


def test_rebuild_replaces_what_was_indexed(library):
    services.rebuild_index(CORPUS)
    assert found("tulostin", lang="fi") == ["kb-label-printer"]
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert found("tulostin", lang="fi") == []


def test_dry_run_counts_without_indexing(library):
    out = io.StringIO()
    call_command("rebuild_search_index", "--dry-run", stdout=out)
    assert f"library: {len(ITALIAN)} documents" in out.getvalue()
    assert f"manuals: {len(ENGLISH)} documents" in out.getvalue()
    assert found("stampante") == []


def test_rebuild_command_refuses_unknown_backends(library):
    with pytest.raises(CommandError, match="Unknown search backend: nowhere"):
        call_command("rebuild_search_index", "--backend", "nowhere")


def test_index_task_indexes_the_current_version(library):
    document = library[("kb-vat-settlement", "it")]
    library[document.key, "it"] = replace(document, title="Versamento IVA mensile")
    result = index_document_task.enqueue("kb-vat-settlement", "it")
    assert result.return_value is True
    assert found("versamento") == ["kb-vat-settlement"]


def test_index_task_removes_what_the_provider_no_longer_has(library):
    services.rebuild_index(CORPUS)
    del library["kb-vat-settlement", "it"]
    result = index_document_task.enqueue("kb-vat-settlement", "it")
    assert result.return_value is False
    assert found("liquidazione") == []


def test_provider_without_lookup_is_scanned(library):
    document = replace(ENGLISH[1], title="Invoices, credit notes and terms")
    register_document_provider("manuals", documents=lambda: [ENGLISH[0], document])
    index_document_task.enqueue("kb-invoice-terms", "en")
    assert found("credit notes", lang="en") == ["kb-invoice-terms"]


def test_remove_task(library):
    services.rebuild_index(CORPUS)
    remove_document_task.enqueue("kb-label-printer", "fi")
    assert found("tulostin", lang="fi") == []
    assert "kb-label-printer" in found("stampante")
