"""Content-Security-Policy on HTML responses: strict on the portal's pages,
relaxed for Wagtail's admin (inline scripts and styles), none on JSON."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_portal_pages_allow_only_their_own_scripts_and_styles(client, demo):
    for address in ("/en/", "/it/accounts/login/", "/fi/accounts/register/"):
        response = client.get(address)
        assert response.status_code == 200, address
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]


def test_error_pages_have_the_policy_too(client, db):
    response = client.get("/en/no-such-page/")

    assert response.status_code == 404
    assert directives(response)["script-src"] == ["'self'"]


def test_wagtail_admin_gets_its_relaxed_policy(client, editor_user):
    client.force_login(editor_user)

    response = client.get("/admin/")

    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["object-src"] == ["'none'"]


def test_json_answers_have_no_policy(client, db):
    response = client.get("/api/product-lines/")

    assert response.status_code == 200
    assert not response.has_header("Content-Security-Policy")


TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_page_templates_have_nothing_the_policy_would_block():
    # E-mail templates are exempt: mail clients need inline styles, and no
    # browser applies the portal's policy to them.
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if "email" in path.relative_to(TEMPLATES).parts:
            continue
        text = path.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{path.relative_to(TEMPLATES)}: {what}")
    assert found == []
