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


# What a provider hands over besides its documents (issue 14): its readers'
# rule and its fields' labels; the search layer holds no copy of either.


@pytest.fixture
def vault(db):
    """A second provider with its own visibility and labels, beside the
    knowledge base's."""
    register_document_provider(
        "vault",
        documents=lambda: [],
        key_prefix="vault-",
        visibilities=lambda user: {"vault"} if user.is_authenticated else set(),
        choices={
            "doc_type": [("ledger", "Ledger"), ("guide", "Vault guide")],
            "visibility": [("vault", "Vault only")],
        },
    )
    yield
    unregister_document_provider("vault")


def test_readers_find_what_the_providers_rules_allow(vault, customer_user):
    from django.contrib.auth.models import AnonymousUser

    from search.services import reader_visibilities

    assert reader_visibilities(AnonymousUser()) == {"public"}
    # The knowledge base's rule (kb.permissions) and the vault's, joined.
    assert reader_visibilities(customer_user) == {"public", "customers", "vault"}


def test_without_any_rule_readers_find_public_documents_only(db, customer_user):
    from search import providers

    saved = providers.get_document_providers()
    for provider in saved:
        unregister_document_provider(provider.name)
    try:
        assert providers.reader_visibilities(customer_user) == {"public"}
        assert providers.known_visibilities() == ["public"]
    finally:
        for provider in saved:
            register_document_provider(
                provider.name,
                provider.documents,
                provider.lookup,
                provider.key_prefix,
                provider.for_object,
                provider.visibilities,
                dict(provider.choices),
            )


def test_filters_and_labels_come_from_the_providers(vault, client):
    from search.forms import SearchForm
    from search.providers import choice_label, known_visibilities

    form = SearchForm({}, default_lang="en")
    doc_types = dict(form.fields["doc_type"].choices)
    # The knowledge base's labels first; a value two providers use once.
    assert str(doc_types["guide"]) == "Guide"
    assert doc_types["ledger"] == "Ledger"
    assert str(doc_types["news"]) == "News"
    assert choice_label("doc_type", "ledger") == "Ledger"
    assert choice_label("doc_type", "unheard-of") == "unheard-of"
    assert "vault" in known_visibilities()
    assert "Ledger" in client.get("/en/search/").content.decode()


def test_one_builder_makes_a_hit_from_a_document_a_row_or_a_mapping():
    from datetime import date

    from search.documents import Document, SearchHit

    document = Document(
        key="k", lang="en", title="T", tags=["a"], published=date(2026, 3, 2)
    )
    from_document = SearchHit.of(document, score=1.0, snippet="s", title_html="T")
    from_mapping = SearchHit.of(
        {
            "key": "k",
            "title": "T",
            "tags": ["a"],
            "published": "2026-03-02",
            "doc_type": "guide",
            "audience": "all",
            "visibility": "public",
        },
        lang="en",
        score=1.0,
        snippet="s",
        title_html="T",
    )

    assert from_document == from_mapping
    assert from_mapping.published == date(2026, 3, 2) and from_mapping.tags == ("a",)
