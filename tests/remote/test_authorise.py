"""The authorisation form: six clauses or nothing, the clause version checked,
the immutable record, the copy by e-mail with its PDF and the notice to the
partner or support."""

import re

import pytest
from django.core import mail

from remote.models import Authorisation, ConsentVersion, RemoteSession
from remote.services import hash_code, publish_consent_text

from .conftest import current_version, pdf_text, url

pytestmark = pytest.mark.django_db

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"


def post(client, data, **extra):
    return client.post(url("remote:authorise"), data, **extra)


def test_anonymous_visitors_see_the_six_clauses_of_the_current_version(client, world):
    response = client.get(url("remote:authorise"))
    page = response.content.decode()

    assert response.status_code == 200
    version = current_version("en")
    assert f'name="consent_version" value="{version.pk}"' in page
    for number, clause in version.numbered_clauses:
        assert f"{number} - {clause}" in page
    assert 'name="case"' not in page  # anonymous: no case link
    assert page.count('data-clause="true"') == 6
    # Without JavaScript the button is enabled: the server does the refusing.
    assert re.search(r'<button type="submit" class="button" data-accept-button>', page)


@pytest.mark.parametrize(
    ("language", "words"),
    [("it", "almeno due"), ("fi", "vähintään kaksi"), ("en", "at least two")],
)
def test_the_clauses_are_in_the_visitor_language(client, world, language, words):
    page = client.get(url("remote:authorise", language=language)).content.decode()

    assert words in page
    assert str(current_version(language).pk) in page


def test_the_form_is_prefilled_for_a_customer_with_their_open_cases(
    client, world, make_case
):
    mine = make_case(subject="Registro IVA bloccato")
    theirs = make_case(user=world.rossi, subject="Cedolini di Rossi")
    client.force_login(world.microbit)

    response = client.get(url("remote:authorise") + f"?case={mine.number}")
    page = response.content.decode()

    assert 'value="Microbit Srl"' in page
    assert 'value="Mario Bianchi"' in page
    assert 'value="amministrazione@microbit.example"' in page
    assert 'value="024200"' in page and 'value="112195"' in page
    assert re.search(rf'<option value="{mine.number}" selected>', page)
    assert theirs.number not in page


def test_five_clauses_are_refused_nothing_is_stored_and_the_values_are_kept(
    client, world, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            form_data(clauses=(1, 2, 3, 4, 6), operator_name="Giovanni Verdi"),
        )
    page = response.content.decode()

    assert response.status_code == 400
    assert "Remote assistance needs all six clauses" in page
    assert "This clause is mandatory: tick it to accept." in page
    assert 'value="Giovanni Verdi"' in page
    assert 'value="mario.bianchi@microbit.example"' in page
    assert page.count("checked") == 5  # the ticks given are kept too
    assert not Authorisation.objects.exists()
    assert not RemoteSession.objects.exists()
    assert mail.outbox == []


def test_missing_details_are_refused_with_the_ticks_kept(client, world, form_data):
    response = post(client, form_data(company_name="", email="not-an-address"))
    page = response.content.decode()

    assert response.status_code == 400
    assert "This field is required." in page
    assert "Enter a valid email address." in page
    assert page.count("checked") == 6
    assert not Authorisation.objects.exists()


def test_six_clauses_store_the_record_and_show_the_code(
    client, world, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            form_data(),
            HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            REMOTE_ADDR="192.0.2.15",
        )

    assert response.status_code == 302
    record = Authorisation.objects.get()
    version = current_version("en")
    assert record.consent_version == version
    assert record.language == "en"
    assert record.consent_sha256 == version.sha256
    assert record.accepted_clauses == [1, 2, 3, 4, 5, 6]
    assert record.company_name == "Microbit Srl"
    assert record.operator_name == "Mario Bianchi"
    assert record.email == "mario.bianchi@microbit.example"
    assert record.customer_code == "024200"
    assert record.installation_code == "112195"
    assert record.ip_address == "192.0.2.15"
    assert record.user_agent.startswith("Mozilla/5.0 (Windows NT 10.0")
    assert record.user is None and record.customer is None and record.case is None

    page = client.get(response["Location"]).content.decode()
    code = re.search(r"data-session-code>\s*([0-9 ]{11})\s*<", page).group(1)
    assert re.fullmatch(r"[0-9]{3} [0-9]{3} [0-9]{3}", code)
    session = record.session
    # Only the HMAC of the code is stored.
    assert session.code_hash == hash_code(code.replace(" ", ""))
    assert code.replace(" ", "") not in str(
        RemoteSession.objects.filter(pk=session.pk).values().get()
    )
    assert "Sportello Remote for Windows" in page


def test_the_code_is_shown_once(client, world, authorise):
    done = authorise()

    again = client.get(done.page_url).content.decode()

    assert done.code not in again
    assert "data-session-code" not in again


def test_a_logged_in_customer_links_their_company_and_case(
    client, world, make_case, authorise
):
    case = make_case()

    done = authorise(world.microbit, case=case.number)

    assert done.authorisation.user == world.microbit
    assert done.authorisation.customer == world.microbit.customer
    assert done.authorisation.case == case


def test_a_customer_cannot_link_another_company_case(
    client, world, make_case, form_data
):
    theirs = make_case(user=world.rossi)
    client.force_login(world.microbit)

    response = post(client, form_data(case=theirs.number))

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Authorisation.objects.exists()


def test_the_copy_goes_to_the_given_address_with_the_pdf(
    client, world, form_data, settings, django_capture_on_commit_callbacks
):
    settings.REMOTE_PDF_COMPRESS = False
    client.force_login(world.microbit)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, form_data())
    record = Authorisation.objects.get()

    copy, notice = mail.outbox
    assert copy.to == ["mario.bianchi@microbit.example"]
    assert "here is a copy of the remote assistance authorisation" in copy.body
    assert "All the information was received correctly." in copy.body
    assert "Mario Bianchi" in copy.body and "112195" in copy.body
    assert current_version("en").clause_3 in copy.body
    assert record.consent_sha256 in copy.body
    ((name, content, mimetype),) = copy.attachments
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    assert content.startswith(b"%PDF")
    assert record.consent_sha256.encode() in content  # in the metadata
    text = pdf_text(content)
    assert "Agree to make available to the service provider" in text
    assert "Mario Bianchi" in text
    # The reference partner is told, without the code.
    assert notice.to == ["assistenza@nordest-informatica.example"]
    assert "Microbit Srl" in notice.body
    assert "/remote/desk/" in notice.body
    assert record.session.code_hash not in notice.body


def test_the_copy_is_in_the_language_of_the_text_read(
    client, world, django_capture_on_commit_callbacks, form_data
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("remote:authorise", language="it"), form_data(language="it"))

    copy = mail.outbox[0]
    assert Authorisation.objects.get().language == "it"
    assert current_version("it").clause_5 in copy.body
    assert copy.attachments[0][1].startswith(b"%PDF")


def test_an_anonymous_authorisation_notifies_support(
    client, world, form_data, settings, django_capture_on_commit_callbacks
):
    settings.REMOTE_SUPPORT_EMAIL = "assistenza@sportello.example"
    with django_capture_on_commit_callbacks(execute=True):
        post(client, form_data())

    assert [m.to for m in mail.outbox] == [
        ["mario.bianchi@microbit.example"],
        ["assistenza@sportello.example"],
    ]


def test_the_case_partner_is_notified_when_a_case_is_linked(
    client, world, make_case, form_data, django_capture_on_commit_callbacks
):
    case = make_case(dealer=world.centro)  # assigned to Centro, not Nordest
    client.force_login(world.microbit)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, form_data(case=case.number))

    assert mail.outbox[1].to == ["help@centro-gestionali.example"]
    assert case.number in mail.outbox[1].body


@pytest.mark.parametrize("tampered", ["999999", "abc", "", "other-language"])
def test_a_tampered_clause_version_is_refused(client, world, form_data, tampered):
    if tampered == "other-language":
        tampered = str(current_version("it").pk)

    response = post(client, form_data(consent_version=tampered))
    page = response.content.decode()

    assert response.status_code == 400
    assert "does not match the clauses currently in force" in page
    assert 'value="Mario Bianchi"' in page
    # The form offers the right version again.
    assert f'name="consent_version" value="{current_version("en").pk}"' in page
    assert not Authorisation.objects.exists()


def test_a_version_published_meanwhile_shows_the_new_text(client, world, form_data):
    data = form_data()  # built on version 1
    old = current_version("en")
    new = publish_consent_text(
        "en", old.intro, old.clauses[:5] + ["Pay the fee at the 2026 rates."]
    )

    response = post(client, data)
    page = response.content.decode()

    assert response.status_code == 409
    assert "The text of the clauses changed while you were reading it" in page
    assert "6 - Pay the fee at the 2026 rates." in page
    assert f'name="consent_version" value="{new.pk}"' in page
    assert 'value="Mario Bianchi"' in page
    assert "checked" not in page  # consent must be given to the new text
    assert not Authorisation.objects.exists()

    accepted = post(client, form_data())
    assert accepted.status_code == 302
    assert Authorisation.objects.get().consent_version == new


def test_no_published_text_means_no_form(client, world):
    for version in ConsentVersion.objects.select_related("consent_text"):
        if version.consent_text.live:
            version.consent_text.unpublish()

    response = client.get(url("remote:authorise"))

    assert response.status_code == 503
    assert "cannot be authorised on the portal at the moment" in (
        response.content.decode()
    )


def test_authorisations_are_rate_limited_per_address(
    client, world, form_data, settings
):
    settings.REMOTE_AUTHORISE_RATE = (2, 3600)
    for _ in range(2):
        assert post(client, form_data()).status_code == 302

    data = form_data()
    response = post(client, data)

    assert response.status_code == 429
    assert Authorisation.objects.count() == 2
    # The form comes back as typed, with when to retry, and nothing to correct.
    page = response.content.decode()
    assert "Too many attempts: try again in" in page
    assert f'value="{data["email"]}"' in page
    assert "please correct what is marked below" not in page


def test_the_suggested_articles_hook_renders_nothing_when_empty(client, world):
    page = client.get(url("remote:authorise")).content.decode()

    assert "suggested-articles" not in page


def test_tools_for_the_visitor_system_come_first_and_legacy_apart(
    client, world, authorise
):
    done = authorise()
    mac = client.get(
        done.page_url,
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605",
    ).content.decode()
    phone = client.get(done.page_url, HTTP_USER_AGENT=IPHONE).content.decode()

    assert "For your computer (macOS)" in mac
    assert mac.index("Sportello Remote for macOS") < mac.index(
        "Sportello Remote for Windows"
    )
    legacy = mac.index("Older tools")
    assert mac.index("Remoteus remote support (2010)") > legacy
    assert mac.index("Sportello Remote for Linux") < legacy
    assert "For your computer" not in phone
    assert "Choose the tool for your computer" in phone
