"""The PostgreSQL engine steers the planner to bitmap scans for the length of a
search only: statements the caller runs afterwards in the same transaction are
planned as usual."""

import pytest
from django.db import connection

from search import services
from search.documents import SearchQuery

from .corpus import CORPUS


@pytest.mark.django_db
def test_search_leaves_the_planner_settings_as_it_found_them():
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    services.rebuild_index(CORPUS)

    results = services.search_documents(SearchQuery(text="stampante", lang="it"))

    assert results.total > 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), "
            "current_setting('enable_indexscan')"
        )
        assert cursor.fetchone() == ("on", "on")
