"""Staff read the outbox in the Wagtail admin; nobody edits it there."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from mailer.models import OutboundEmail
from mailer.services import queue_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued():
    return queue_email(
        "mailer/email/notice",
        {"subject": "Outage notice", "body": "text"},
        ["someone@example.com"],
        "en",
    )


def test_superuser_lists_and_inspects_the_outbox(client, queued):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("outbound_email:index"))
    inspect = client.get(reverse("outbound_email:inspect", args=[queued.pk]))

    assert listing.status_code == 200
    assert "Outage notice" in listing.content.decode()
    assert inspect.status_code == 200
    assert "someone@example.com" in inspect.content.decode()


def test_nobody_can_edit_or_delete_an_outbox_row(client, queued):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    edit = client.post(
        reverse("outbound_email:edit", args=[queued.pk]), {"status": "sent"}
    )
    delete = client.post(reverse("outbound_email:delete", args=[queued.pk]))

    assert edit.status_code in (302, 403)
    assert delete.status_code in (302, 403)
    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.QUEUED


def test_staff_without_the_view_permission_is_refused(client, queued):
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)

    response = client.get(reverse("outbound_email:index"))

    assert response.status_code in (302, 403)
    assert "Outage notice" not in response.content.decode()


def test_staff_with_the_view_permission_reads_it(client, queued):
    group = Group.objects.create(name="Mail watchers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_outboundemail"),
    )
    user = UserFactory(is_staff=True)
    user.groups.add(group)
    client.force_login(user)

    response = client.get(reverse("outbound_email:index"))

    assert response.status_code == 200
    assert "Outage notice" in response.content.decode()
