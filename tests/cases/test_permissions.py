"""The permission matrix: every case view, download and queryset, for anonymous
visitors, the company's users, another company, the assigned partner, another
partner, staff with the cases permission (superuser) and staff without it."""

import pytest
from django.apps import apps

from cases.models import Case, CaseAttachment, CaseMessage, Status
from cases.permissions import can_view_attachment, can_view_case

from .conftest import PDF, past_first_step, upload, url

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "colleague", "rossi", "partner", "partner2", "admin", "editor"]
LOGIN = "login"


@pytest.fixture
def case(world, client, form_data):
    client.force_login(world.microbit)
    client.post(
        url("cases:new"), {**form_data(), "attachments": [upload("fattura.pdf", PDF)]}
    )
    client.logout()
    return Case.objects.get()


@pytest.fixture
def as_user(client, world):
    def login(who: str):
        if who != "anonymous":
            client.force_login(getattr(world, who))
        return client

    return login


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(url("accounts:login"))
    else:
        assert response.status_code == expected, response.content.decode()[:500]


@pytest.mark.parametrize(
    ("who", "expected"),
    list(zip(WHO, [LOGIN, 200, 404, 200, 404, 200, 404], strict=True)),
)
def test_case_page(as_user, case, who, expected):
    check(as_user(who).get(url("cases:detail", case.number)), expected)


@pytest.mark.parametrize(
    ("who", "expected"),
    list(zip(WHO, [LOGIN, 200, 404, 200, 404, 200, 404], strict=True)),
)
def test_attachment_download(as_user, case, who, expected):
    attachment = CaseAttachment.objects.get()

    check(
        as_user(who).get(url("cases:attachment", case.number, attachment.pk)), expected
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    list(zip(WHO, [LOGIN, 200, 404, "refused", 404, "refused", 404], strict=True)),
)
def test_edit(as_user, case, who, expected):
    response = as_user(who).get(url("cases:edit", case.number))

    if expected == "refused":
        # May see the case, may not edit it: back to the case with a message.
        assert response.status_code == 302
        assert response["Location"] == url("cases:detail", case.number)
    else:
        check(response, expected)


@pytest.mark.parametrize(
    ("who", "expected", "added"),
    [
        ("anonymous", LOGIN, False),
        ("colleague", 302, True),
        ("rossi", 404, False),
        ("partner", 302, True),
        ("partner2", 404, False),
        ("admin", 302, True),
        ("editor", 404, False),
    ],
)
def test_reply(as_user, case, who, expected, added):
    response = as_user(who).post(url("cases:reply", case.number), {"body": "Hello"})

    check(response, expected)
    assert CaseMessage.objects.filter(body="Hello").exists() == added


@pytest.mark.parametrize(
    ("who", "expected", "changed"),
    [
        ("anonymous", LOGIN, False),
        ("colleague", 302, False),  # customers may only close or reopen
        ("rossi", 404, False),
        ("partner", 302, True),
        ("partner2", 404, False),
        ("admin", 302, True),
        ("editor", 404, False),
    ],
)
def test_status_change(as_user, case, who, expected, changed):
    response = as_user(who).post(
        url("cases:status", case.number), {"status": "waiting_customer"}
    )

    check(response, expected)
    case.refresh_from_db()
    assert (case.status == Status.WAITING_CUSTOMER) == changed


@pytest.mark.parametrize(
    ("who", "expected", "changed"),
    [
        ("anonymous", LOGIN, False),
        ("colleague", 404, False),
        ("rossi", 404, False),
        ("partner", 302, True),
        ("partner2", 404, False),
        ("admin", 302, True),
        ("editor", 404, False),
    ],
)
def test_reassign(as_user, case, world, who, expected, changed):
    response = as_user(who).post(
        url("cases:assign", case.number), {"partner": str(world.centro.pk)}
    )

    check(response, expected)
    case.refresh_from_db()
    assert (case.assigned_partner == world.centro) == changed


@pytest.mark.parametrize(
    ("who", "expected", "listed"),
    [
        ("anonymous", LOGIN, False),
        ("colleague", 200, True),
        ("rossi", 200, False),
        ("partner", "desk", False),
        ("admin", 200, True),
        ("editor", 200, False),
    ],
)
def test_my_cases(as_user, case, who, expected, listed):
    response = as_user(who).get(url("cases:list") + "?scope=all")

    if expected == "desk":
        assert response["Location"] == url("cases:partner_queue")
        return
    check(response, expected)
    if expected == 200:
        assert (case.number in response.content.decode()) == listed


@pytest.mark.parametrize(
    ("who", "expected"),
    list(zip(WHO, [LOGIN, 200, 200, 403, 403, 403, 403], strict=True)),
)
def test_new_case_form(as_user, world, who, expected):
    client = as_user(who)
    response = client.get(url("cases:new"))
    if expected == 200 and apps.is_installed("deflection"):
        # Customers start at the suggestions step; past it, the form opens.
        assert response.status_code == 302
        assert response["Location"] == url("deflection:start")
        check(client.get(response["Location"]), 200)
        past_first_step(client)
        response = client.get(url("cases:new"))
    check(response, expected)


@pytest.mark.parametrize(
    ("who", "expected", "listed"),
    [
        ("anonymous", LOGIN, False),
        ("colleague", 403, False),
        ("rossi", 403, False),
        ("partner", 200, True),
        ("partner2", 200, False),
        ("admin", 200, True),
        ("editor", 403, False),
    ],
)
def test_partner_desk(as_user, case, who, expected, listed):
    response = as_user(who).get(url("cases:partner_queue") + "?scope=all")

    check(response, expected)
    if expected == 200:
        assert (case.number in response.content.decode()) == listed


@pytest.mark.parametrize("who", WHO[1:])
def test_unknown_case_number_is_404(as_user, case, who):
    assert as_user(who).get(url("cases:detail", "1999-000001")).status_code == 404


@pytest.mark.parametrize(
    ("who", "visible"),
    list(zip(WHO, [False, True, False, True, False, True, False], strict=True)),
)
def test_queryset_and_functions_agree(world, case, who, visible):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else getattr(world, who)

    assert Case.objects.visible_to(user).filter(pk=case.pk).exists() == visible
    assert can_view_case(user, case) == visible
    assert can_view_attachment(user, CaseAttachment.objects.get()) == visible


def test_inactive_user_sees_nothing(world, case):
    world.colleague.is_active = False

    assert not can_view_case(world.colleague, case)
    assert not Case.objects.visible_to(world.colleague).exists()
