"""Deflection fixtures: the demo (its articles indexed for search), a client
per demo login, and sample error logs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

DEMO_LOG = (
    b"2026-03-02 10:14:55 INFO Apertura ditta 0001\r\n"
    b"2026-03-02 10:15:22 ERROR SIS-1042 Archivio bloccato da un altro utente\r\n"
    b"2026-03-02 10:15:40 ERROR SIS-1042 Archivio bloccato da un altro utente\r\n"
)


def url(name: str, *args, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, args=args or None, kwargs=kwargs or None)


def upload(name: str, content: bytes, content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def indexed_demo(demo):
    """The demo, with every article and news item in the search index (as the
    knowledge base's publish hooks keep it)."""
    from kb.documents import iter_article_documents
    from search.documents import Document
    from search.services import rebuild_index

    rebuild_index(Document(**document) for document in iter_article_documents())


@pytest.fixture
def as_user(client, indexed_demo):
    """``as_user("024200")``: the test client logged in as a demo user
    (``"anonymous"``: logged out)."""
    from accounts.models import User

    def login(username: str):
        client.logout()
        if username != "anonymous":
            client.force_login(User.objects.get(username=username))
        return client

    return login


@pytest.fixture
def line_codes():
    from taxonomy.models import ProductLine

    return dict(ProductLine.objects.values_list("code", "pk"))
