"""Fixtures of the search tests."""

import pytest


@pytest.fixture
def as_user(client, customer_user, partner_user, editor_user):
    """``as_user("customer")``: the test client logged in as a demo user
    ("anonymous", "customer", "partner", "editor"); loads the demo."""
    users = {
        "anonymous": None,
        "customer": customer_user,
        "partner": partner_user,
        "editor": editor_user,
    }

    def login(name):
        client.logout()
        if users[name] is not None:
            client.force_login(users[name])
        return client

    return login


@pytest.fixture
def kb_site(db):
    """Locales, home pages, taxonomy and the empty knowledge base and news
    index in each language, without the rest of the demo."""
    import io

    from django.core.management import call_command

    from kb.services import ensure_index_pages

    call_command("load_demo", only=["home.demo", "taxonomy.demo"], stdout=io.StringIO())
    return ensure_index_pages()
