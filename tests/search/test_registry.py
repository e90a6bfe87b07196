"""SEARCH_BACKENDS: what a deployment may configure, and what it may not."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from search import services
from search.backends import (
    BaseSearchBackend,
    FallbackSearchBackend,
    get_search_backend,
    get_search_backends,
)
from search.backends.database import DatabaseSearchBackend
from search.documents import SearchQuery


def test_database_backend_is_the_default_without_the_setting(settings):
    del settings.SEARCH_BACKENDS
    backend = get_search_backend()
    assert isinstance(backend, DatabaseSearchBackend)
    assert list(get_search_backends()) == ["default"]


def test_backend_given_as_a_class_path(settings):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.database.DatabaseSearchBackend"}
    }
    assert isinstance(get_search_backend(), DatabaseSearchBackend)


@pytest.mark.parametrize(
    "config",
    [
        {"default": {"BACKEND": "search.backends.nowhere"}},
        {"default": {"BACKEND": "search.documents.Document"}},
        {"default": {}},
        {"other": {"BACKEND": "search.backends.database"}},
    ],
)
def test_bad_configuration_is_refused(settings, config):
    settings.SEARCH_BACKENDS = config
    with pytest.raises(ImproperlyConfigured):
        get_search_backend()


def test_unknown_alias_is_refused(settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
    with pytest.raises(ImproperlyConfigured):
        get_search_backend("archive")


def test_elasticsearch_gets_a_database_backend_beside_it(settings):
    settings.SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.elasticsearch",
            "URLS": ["http://127.0.0.1:9"],
        }
    }
    backends = get_search_backends()
    assert list(backends) == ["default", "database"]
    assert isinstance(backends["database"], DatabaseSearchBackend)
    reader = get_search_backend()
    assert isinstance(reader, FallbackSearchBackend)
    assert reader.fallback is backends["database"]


def test_elasticsearch_needs_a_url(settings):
    settings.ELASTICSEARCH_URL = None
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch"}}
    with pytest.raises(ImproperlyConfigured):
        get_search_backend()


class Incomplete(BaseSearchBackend):
    """A backend that implements nothing."""


def test_unsupported_operations_raise_not_implemented(settings):
    settings.SEARCH_BACKENDS = {
        "default": {"BACKEND": "tests.search.test_registry.Incomplete"},
        "database": {"BACKEND": "search.backends.database"},
    }
    with pytest.raises(NotImplementedError):
        services.search_documents(SearchQuery(text="x", lang="it"))
    with pytest.raises(NotImplementedError):
        services.suggest("xx", "it")
    with pytest.raises(NotImplementedError):
        services.did_you_mean("x", "it")
