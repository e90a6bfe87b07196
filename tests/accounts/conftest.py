"""Fixtures for the accounts tests."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import DEMO_PASSWORD
from tests.mailer.conftest import smtp_server  # noqa: F401 - a real SMTP server


@pytest.fixture
def login_url():
    """The login page's URL in a language (English unless told)."""

    def build(language: str = "en") -> str:
        with translation.override(language):
            return reverse("accounts:login")

    return build


@pytest.fixture
def post_login(client, login_url):
    """POST the portal's login form as a browser would; returns the response."""

    def post(username: str, password: str = DEMO_PASSWORD, language: str = "en"):
        return client.post(
            login_url(language), {"username": username, "password": password}
        )

    return post
