"""Knowledge-base fixtures: the demo (load_demo, kb.demo included) and small
helpers to find demo pages by key and language."""

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def kb_page(demo):
    """``kb_page("demo/inventory-count", "it")``: a demo page by key and language
    (loads the demo)."""
    from kb.models import ArticlePage, NewsPage

    def find(key: str, language: str = "en"):
        model = NewsPage if key.startswith("demo-news/") else ArticlePage
        return model.objects.get(import_key=key, locale__language_code=language)

    return find


@pytest.fixture
def read_data():
    def read(name: str) -> list[str]:
        return (DATA / name).read_text(encoding="utf-8").splitlines()

    return read


@pytest.fixture
def kb_site(db):
    """Locales, home pages and the empty knowledge base and news index in each
    language: enough for import tests, without the rest of the demo."""
    import io

    from django.core.management import call_command

    call_command(
        "load_demo",
        only=["home.demo", "taxonomy.demo"],
        stdout=io.StringIO(),
    )
    from kb.services import ensure_index_pages

    return ensure_index_pages()
