"""The customer area, the case page and the partner desk, through HTTP."""

import pytest
from django.core import mail

from cases.models import Case, CaseAttachment, CaseEvent, Status
from mailer.models import OutboundEmail

from .conftest import (
    LOG,
    PDF,
    PNG,
    past_first_step,
    upload,
    url,
    with_deflection,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


# The new case form -----------------------------------------------------------------


def test_form_shows_the_manual_groups_and_the_reporter(client, world):
    client.force_login(world.microbit)
    past_first_step(client)

    response = client.get(url("cases:new"))

    html = response.content.decode()
    assert response.status_code == 200
    for legend in ("References", "Request", "Attachments"):
        assert f"<legend>{legend}</legend>" in html
    assert "Microbit Srl (024200)" in html
    # Reply notification prefilled from the user; the reference partner chosen.
    assert 'value="amministrazione@microbit.example"' in html
    assert f'<option value="{world.nordest.pk}" selected>' in html
    # Without JavaScript the areas are grouped by product line.
    assert '<optgroup label="Accounting">' in html
    assert 'data-product-line="accounting"' in html
    # Licensed lines only: Microbit has no Payroll licence.
    assert 'value="payroll"' not in html
    assert "multiple" in html and 'type="file"' in html


@with_deflection
def test_help_menu_link_prefills_line_area_and_subject(client, world):
    client.force_login(world.microbit)

    # The Help menu's link goes through the suggestions step, which carries
    # line, area and subject on when the customer still needs help.
    step = client.get(
        url("cases:new")
        + "?product_line=warehouse&area=inventory&subject=Giacenze+negative"
    )
    assert step["Location"].startswith(url("deflection:start"))
    assert "area=inventory" in step["Location"]
    client.get(step["Location"])
    client.post(
        url("deflection:start"),
        {
            "product_line": "warehouse",
            "area": "inventory",
            "description": "Giacenze negative",
            "action": "continue",
        },
    )
    response = client.get(url("cases:new"))

    html = response.content.decode()
    assert '<option value="warehouse" selected>' in html
    assert (
        f'<option value="{world.inventory.pk}" selected data-product-line="warehouse">'
        in html
    )
    assert 'value="Giacenze negative"' in html


def test_submitting_the_form_opens_a_numbered_case_and_mails_a_summary(
    client, world, form_data, django_capture_on_commit_callbacks
):
    client.force_login(world.microbit)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("cases:new"),
            {
                **form_data(notify_mobile="+39 347 1234567"),
                "error_log": upload("SISERR.LOG", LOG),
                "diagnostic": upload("diagnostico.zip", zip_bytes({"a.txt": b"x"})),
                "attachments": [
                    upload("schermata.png", PNG, "image/png"),
                    upload("fattura.pdf", PDF, "application/pdf"),
                ],
            },
        )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("cases:detail", case.number)
    assert case.number.endswith("-000001")
    assert case.assigned_partner == world.nordest
    assert case.status == Status.ASSIGNED
    assert case.urgency == "high"
    assert case.notify_mobile == "+393471234567"
    assert sorted(CaseAttachment.objects.values_list("name", flat=True)) == [
        "SISERR.LOG",
        "diagnostico.zip",
        "fattura.pdf",
        "schermata.png",
    ]
    summary, partner_notice = mail.outbox
    assert summary.to == ["amministrazione@microbit.example"]
    assert case.number in summary.subject
    for expected in (
        "Microbit Srl (024200)",
        "+393471234567",
        "Nordest Informatica Srl",
        "Accounting",
        "VAT",
        "High",
        "Registro IVA: protocollo duplicato",
        "errore 4711",
        "SISERR.LOG",
        "schermata.png",
        f"http://testserver/en/cases/{case.number}/",
    ):
        assert expected in summary.body, expected
    assert partner_notice.to == ["assistenza@nordest-informatica.example"]
    assert case.number in partner_notice.subject
    page = client.get(response["Location"])
    assert f"Your request is case {case.number}" in page.content.decode()


def test_mail_failure_never_undoes_the_case(
    client, world, form_data, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens
    settings.EMAIL_TIMEOUT = 2
    client.force_login(world.microbit)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cases:new"), form_data())

    assert response.status_code == 302
    assert Case.objects.count() == 1
    queued = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
    assert queued.count() == 2
    assert all(email.last_error for email in queued)


# The customer area -----------------------------------------------------------------


def test_company_users_see_the_company_cases_with_filters_and_search(
    client, world, make_case
):
    open_case = make_case(subject="Giacenze negative", product_line=world.warehouse)
    solved = make_case(user=world.colleague, subject="Registro IVA")
    solved.status = Status.RESOLVED
    solved.save()
    make_case(user=world.rossi, subject="Cedolini Rossi", product_line=world.payroll)
    client.force_login(world.colleague)

    open_list = client.get(url("cases:list")).content.decode()
    history = client.get(url("cases:list") + "?scope=resolved").content.decode()
    everything = client.get(url("cases:list") + "?scope=all").content.decode()
    by_number = client.get(
        url("cases:list") + f"?scope=all&q={solved.number}"
    ).content.decode()
    by_text = client.get(url("cases:list") + "?scope=all&q=giacenze").content.decode()

    assert open_case.number in open_list and solved.number not in open_list
    assert solved.number in history and open_case.number not in history
    assert open_case.number in everything and solved.number in everything
    assert "Cedolini Rossi" not in everything
    assert solved.number in by_number and open_case.number not in by_number
    assert open_case.number in by_text and solved.number not in by_text
    assert url("cases:new") in open_list  # the "New case" button


def test_case_page_shows_fields_thread_files_and_history(client, world, make_case):
    case = make_case(
        files=[],
        subject="<script>alert(1)</script>",
        request="Line one\n<b>bold?</b>",
    )
    client.force_login(world.microbit)

    html = client.get(url("cases:detail", case.number)).content.decode()

    assert case.number in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "Nordest Informatica Srl" in html
    assert "History" in html and "Assigned" in html


def test_customer_message_with_attachment_reaches_the_partner(
    client, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case()
    client.force_login(world.microbit)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("cases:reply", case.number),
            {"body": "Ecco la schermata.", "attachments": [upload("s.png", PNG)]},
        )

    assert response.status_code == 302
    page = client.get(url("cases:detail", case.number)).content.decode()
    assert "Ecco la schermata." in page
    assert "s.png" in page
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["assistenza@nordest-informatica.example"]
    assert "Ecco la schermata." in mail.outbox[0].body


def test_customer_message_on_a_waiting_case_puts_it_back_in_progress(
    client, world, make_case
):
    from cases.services import transition_case

    case = make_case()
    transition_case(case, Status.WAITING_CUSTOMER, world.partner, notify=False)
    client.force_login(world.microbit)

    client.post(url("cases:reply", case.number), {"body": "Ecco i dati."})

    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.events.filter(to_value=Status.IN_PROGRESS).get().comment == (
        "The customer replied."
    )


def test_customer_can_edit_until_work_starts(client, world, make_case):
    case = make_case()
    client.force_login(world.microbit)

    page = client.get(url("cases:edit", case.number))
    response = client.post(
        url("cases:edit", case.number),
        {
            "product_line": "warehouse",
            "area": str(world.inventory.pk),
            "urgency": "blocking",
            "subject": "Corrected subject",
            "request": "Corrected request",
            "notify_email": "new@microbit.example",
            "notify_mobile": "",
            "auto_notify": "on",
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.subject == "Corrected subject"
    assert case.area == world.inventory
    assert case.urgency == "blocking"
    edited = CaseEvent.objects.get(case=case, kind="edited")
    assert "subject" in edited.to_value and "urgency" in edited.to_value

    from cases.services import transition_case

    transition_case(case, Status.IN_PROGRESS, world.partner, notify=False)
    refused = client.post(
        url("cases:edit", case.number),
        {"subject": "Too late", "request": "x", "urgency": "low"},
        follow=True,
    )
    case.refresh_from_db()
    assert case.subject == "Corrected subject"
    assert "can no longer be changed" in refused.content.decode()


def test_edit_refuses_an_area_of_another_line(client, world, make_case):
    case = make_case()
    client.force_login(world.microbit)

    response = client.post(
        url("cases:edit", case.number),
        {
            "product_line": "accounting",
            "area": str(world.inventory.pk),
            "urgency": "normal",
            "subject": "Kept subject",
            "request": "Kept request",
            "notify_email": "amministrazione@microbit.example",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "is not an area of Accounting" in html
    assert 'value="Kept subject"' in html


def test_customer_closes_and_reopens(client, world, make_case):
    from cases.services import transition_case

    case = make_case()
    transition_case(case, Status.RESOLVED, world.partner, notify=False)
    client.force_login(world.microbit)

    page = client.get(url("cases:detail", case.number)).content.decode()
    assert "Reopen the case" in page and "Close the case" in page
    client.post(url("cases:status", case.number), {"status": "in_progress"})
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.resolved_at is None

    client.post(url("cases:status", case.number), {"status": "closed"})
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None


def test_customer_cannot_resolve_their_own_case(client, world, make_case):
    case = make_case()
    client.force_login(world.microbit)

    response = client.post(
        url("cases:status", case.number), {"status": "resolved"}, follow=True
    )

    case.refresh_from_db()
    assert case.status == Status.ASSIGNED
    assert "You cannot move this case to “Resolved”." in response.content.decode()


# The partner desk ------------------------------------------------------------------


def test_partner_queue_lists_assigned_cases_overdue_first(client, world, make_case):
    from datetime import timedelta

    from django.utils import timezone

    later = make_case(subject="Due later", urgency="low")
    overdue = make_case(subject="Overdue case", urgency="normal")
    Case.objects.filter(pk=overdue.pk).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    someone_else = make_case(user=world.rossi, subject="Rossi case")
    client.force_login(world.partner)

    html = client.get(url("cases:partner_queue")).content.decode()

    assert html.index(overdue.number) < html.index(later.number)
    assert someone_else.number not in html
    assert "1 case is overdue." in html
    only_overdue = client.get(url("cases:partner_queue") + "?scope=overdue")
    assert later.number not in only_overdue.content.decode()
    searched = client.get(url("cases:partner_queue") + "?scope=all&q=later")
    assert later.number in searched.content.decode()
    assert overdue.number not in searched.content.decode()


def test_partner_reply_notifies_the_customer_in_their_language(
    client, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case(language="en", notify_mobile="+393471234567")
    client.force_login(world.partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("cases:reply", case.number),
            {"body": "Abbiamo corretto l'archivio."},
        )

    assert response.status_code == 302
    (notice,) = mail.outbox
    assert notice.to == ["amministrazione@microbit.example"]
    assert case.number in notice.subject
    assert "Abbiamo corretto l'archivio." in notice.body
    # Microbit prefers Italian: the mail is rendered in Italian and its link
    # opens the portal in Italian, whatever language the case was opened in.
    assert OutboundEmail.objects.get().language == "it"
    assert f"/it/cases/{case.number}/" in notice.body
    assert notice.alternatives and "text/html" in notice.alternatives[0][1]


def test_internal_note_stays_on_the_partner_desk(
    client, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case()
    client.force_login(world.partner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("cases:reply", case.number),
            {
                "body": "Cliente moroso: verificare il contratto.",
                "internal": "on",
                "attachments": [upload("contratto.pdf", PDF)],
            },
        )

    assert mail.outbox == []
    partner_page = client.get(url("cases:detail", case.number)).content.decode()
    assert "Cliente moroso" in partner_page
    note_file = CaseAttachment.objects.get(name="contratto.pdf")
    client.force_login(world.microbit)
    customer_page = client.get(url("cases:detail", case.number)).content.decode()
    assert "Cliente moroso" not in customer_page
    assert "contratto.pdf" not in customer_page
    download = client.get(url("cases:attachment", case.number, note_file.pk))
    assert download.status_code == 404


def test_partner_changes_status_with_a_comment(
    client, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case()
    client.force_login(world.partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("cases:status", case.number),
            {"status": "resolved", "comment": "Archivio corretto."},
            follow=True,
        )

    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    event = case.events.filter(kind="status").last()
    assert (event.from_value, event.to_value, event.actor) == (
        "assigned",
        "resolved",
        world.partner,
    )
    assert event.comment == "Archivio corretto."
    assert "is now “Resolved”" in response.content.decode()
    assert len(mail.outbox) == 1 and case.number in mail.outbox[0].subject


def test_refused_transition_explains_why(client, world, make_case):
    from cases.services import transition_case

    case = make_case()
    transition_case(case, Status.CLOSED, world.partner, notify=False)
    client.force_login(world.partner)

    response = client.post(
        url("cases:status", case.number), {"status": "in_progress"}, follow=True
    )

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert "You cannot move this case to “In progress”." in response.content.decode()


def test_partner_reassigns_to_another_partner_and_loses_sight_of_it(
    client, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case()
    client.force_login(world.partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("cases:assign", case.number),
            {"partner": str(world.centro.pk), "comment": "Competenza paghe."},
        )

    assert response.status_code == 302
    assert response["Location"] == url("cases:partner_queue")
    case.refresh_from_db()
    assert case.assigned_partner == world.centro
    assert mail.outbox[0].to == ["help@centro-gestionali.example"]
    assert client.get(url("cases:detail", case.number)).status_code == 404
    client.force_login(world.partner2)
    assert client.get(url("cases:detail", case.number)).status_code == 200


def test_customer_is_sent_to_login_then_back(client, world):
    response = client.get(url("cases:new"))

    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:login"))


def test_case_creation_through_the_form_is_rate_limited(
    client, world, form_data, settings
):
    settings.CASES_CREATE_RATE = (2, 3600)
    client.force_login(world.microbit)

    statuses = [
        client.post(url("cases:new"), form_data()).status_code for _ in range(3)
    ]

    assert statuses == [302, 302, 429]
    assert Case.objects.count() == 2


def test_only_complete_case_forms_count_toward_the_limit(
    client, world, form_data, settings
):
    settings.CASES_CREATE_RATE = (2, 3600)
    client.force_login(world.microbit)
    for _attempt in range(3):
        response = client.post(url("cases:new"), form_data(subject=""))
        assert response.status_code == 400

    statuses = [
        client.post(url("cases:new"), form_data()).status_code for _ in range(2)
    ]

    assert statuses == [302, 302]


def test_refused_case_form_keeps_what_was_typed_and_says_when_to_retry(
    client, world, form_data, settings
):
    settings.CASES_CREATE_RATE = (1, 3600)
    client.force_login(world.microbit)
    client.post(url("cases:new"), form_data())

    response = client.post(
        url("cases:new", language="it"),
        form_data(subject="Secondo problema", request="Il backup non parte."),
        HTTP_ACCEPT_LANGUAGE="it",
    )

    assert response.status_code == 429
    assert response["Retry-After"] in {"3599", "3600"}
    page = response.content.decode()
    assert 'value="Secondo problema"' in page
    assert "Il backup non parte." in page
    assert "riprova tra 60 minuti" in page
    assert Case.objects.count() == 1


def test_staff_find_the_default_queue_at_the_desk(client, world, make_case):
    from tests.factories import CustomerFactory, UserFactory

    orphan = make_case(
        UserFactory(customer=CustomerFactory(reference_partner=None)), dealer=None
    )
    assigned = make_case()
    client.force_login(world.admin)

    html = client.get(url("cases:partner_queue") + "?scope=unassigned").content.decode()

    assert orphan.number in html
    assert assigned.number not in html


def test_new_case_page_points_to_the_documentation_first(client, world):
    client.force_login(world.microbit)
    past_first_step(client)

    html = client.get(url("cases:new")).content.decode()

    assert "Maybe the answer is already there" in html


def test_partner_must_name_who_takes_the_case_over(client, world, make_case):
    case = make_case()
    client.force_login(world.partner)

    response = client.post(url("cases:assign", case.number), {"partner": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_partner == world.nordest


def test_staff_can_return_a_case_to_the_default_queue(client, world, make_case):
    case = make_case()
    client.force_login(world.admin)

    client.post(url("cases:assign", case.number), {"partner": ""})

    case.refresh_from_db()
    assert case.assigned_partner is None
    assert case.events.filter(kind="assigned").last().to_label == "default queue"
    history = client.get(url("cases:detail", case.number)).content.decode()
    assert "Assigned: Nordest Informatica Srl → default queue" in history


# Caching ---------------------------------------------------------------------------


def cache_directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_customer_case_pages_are_private_and_not_stored(client, world, make_case):
    case = make_case()
    client.force_login(world.microbit)
    past_first_step(client)

    for address in (
        url("cases:list"),
        url("cases:new"),
        url("cases:detail", case.number),
        url("cases:edit", case.number),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert {"private", "no-store"} <= cache_directives(response), address
    refused = client.post(url("cases:reply", case.number), {"body": ""})
    assert {"private", "no-store"} <= cache_directives(refused)


def test_partner_case_pages_are_private_and_not_stored(client, world, make_case):
    case = make_case()
    client.force_login(world.partner)

    for address in (url("cases:partner_queue"), url("cases:detail", case.number)):
        response = client.get(address)
        assert response.status_code == 200, address
        assert {"private", "no-store"} <= cache_directives(response), address
