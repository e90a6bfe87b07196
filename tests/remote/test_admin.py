"""The Wagtail admin: editors write the clauses and the tools; staff read the
records (inspect only), which nobody can add, edit or delete there."""

import pytest
from django.urls import reverse

from remote.models import (
    Authorisation,
    ConsentText,
    ConsentVersion,
    RemoteSession,
    RemoteTool,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_factory, world):
    return client_factory(world.admin)


RECORDS = [
    ("authorisation", Authorisation),
    ("consentversion", ConsentVersion),
    ("remotesession", RemoteSession),
]


@pytest.mark.parametrize(("name", "model"), RECORDS)
def test_staff_list_and_inspect_records_but_cannot_change_them(
    admin_client, opened, name, model
):
    row = model.objects.first()
    base = f"wagtailsnippets_remote_{name}"

    listing = admin_client.get(reverse(f"{base}:list"))
    inspect = admin_client.get(reverse(f"{base}:inspect", args=[row.pk]))
    edit = admin_client.post(reverse(f"{base}:edit", args=[row.pk]), {"intro": "x"})
    delete = admin_client.post(reverse(f"{base}:delete", args=[row.pk]))
    add = admin_client.get(reverse(f"{base}:add"))

    assert listing.status_code == 200
    assert inspect.status_code == 200
    assert edit.status_code in (302, 403)
    assert delete.status_code in (302, 403)
    assert add.status_code in (302, 403)
    assert model.objects.filter(pk=row.pk).exists()
    # No edit, delete or add links offered.
    page = listing.content.decode()
    assert reverse(f"{base}:edit", args=[row.pk]) not in page
    assert reverse(f"{base}:delete", args=[row.pk]) not in page
    assert reverse(f"{base}:add") not in page


def test_the_inspect_view_shows_the_record(admin_client, opened):
    record = opened.authorisation

    page = admin_client.get(
        reverse("wagtailsnippets_remote_authorisation:inspect", args=[record.pk])
    ).content.decode()

    assert "Mario Bianchi" in page
    assert record.consent_sha256 in page


def test_the_record_is_unchanged_after_admin_attempts(admin_client, opened):
    record = opened.authorisation
    admin_client.post(
        reverse("wagtailsnippets_remote_authorisation:edit", args=[record.pk]),
        {"company_name": "Forged Srl"},
    )
    admin_client.post(
        reverse("wagtailsnippets_remote_authorisation:delete", args=[record.pk])
    )

    assert Authorisation.objects.get(pk=record.pk).company_name == "Microbit Srl"


def test_editors_do_not_see_the_records(client_factory, world, opened):
    response = client_factory(world.editor).get(
        reverse("wagtailsnippets_remote_authorisation:list")
    )

    assert response.status_code in (302, 403)
    assert "Mario Bianchi" not in response.content.decode()


def test_an_editor_publishes_new_clauses_as_a_new_version(client, world):
    client.force_login(world.editor)
    text = ConsentText.objects.get(language="en")
    data = {
        "language": "en",
        "intro": text.intro,
        **{f"clause_{n}": value for n, value in enumerate(text.clauses, 1)},
        "clause_4": "Stay at the computer for the whole intervention.",
        "action-publish": "action-publish",
    }

    response = client.post(
        reverse("wagtailsnippets_remote_consenttext:edit", args=[text.pk]), data
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    current = ConsentVersion.objects.current("en")
    assert current.number == 2
    assert current.clause_4 == "Stay at the computer for the whole intervention."
    assert current.published_by == world.editor
    assert ConsentVersion.objects.get(language="en", number=1).clause_4.startswith(
        "Agree to be present"
    )


def test_saving_a_draft_makes_no_version(client, world):
    client.force_login(world.editor)
    text = ConsentText.objects.get(language="it")
    data = {
        "language": "it",
        "intro": text.intro,
        **{f"clause_{n}": value for n, value in enumerate(text.clauses, 1)},
        "clause_1": "Bozza.",
    }

    response = client.post(
        reverse("wagtailsnippets_remote_consenttext:edit", args=[text.pk]), data
    )

    assert response.status_code == 302
    assert ConsentVersion.objects.filter(language="it").count() == 1


def test_an_editor_adds_a_tool_with_a_download_address(client, world):
    client.force_login(world.editor)

    missing = client.post(
        reverse("wagtailsnippets_remote_remotetool:add"),
        {"name": "No download", "for_windows": "on", "sort_order": 1},
    )
    added = client.post(
        reverse("wagtailsnippets_remote_remotetool:add"),
        {
            "name": "Sportello Remote 2026",
            "for_windows": "on",
            "for_macos": "on",
            "url": "https://downloads.example.com/remote-2026.zip",
            "instructions_en": "Run it.",
            "sort_order": 5,
            "is_active": "on",
        },
    )

    assert missing.status_code == 200
    assert "Choose a download file or give a download address." in (
        missing.content.decode()
    )
    assert added.status_code == 302
    tool = RemoteTool.objects.get(name="Sportello Remote 2026")
    assert tool.operating_systems == ["windows", "macos"]
