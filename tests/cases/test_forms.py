"""The new case form: bad input keeps everything the user entered, valid files
are kept server-side, the area must belong to the product line."""

import pytest

from cases.models import Case, CaseAttachment, PendingUpload

from .conftest import EXE, LOG, PDF, PNG, upload, url

pytestmark = pytest.mark.django_db


def post_form(client, data, **files):
    return client.post(url("cases:new"), {**data, **files})


def kept_token(html: str) -> str:
    marker = 'name="upload_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_missing_subject_keeps_typed_values_and_valid_files(client, world, form_data):
    client.force_login(world.microbit)

    response = post_form(
        client,
        form_data(
            subject="",
            request="Testo della richiesta <con> caratteri & speciali",
            notify_mobile="+39 347 7654321",
            urgency="blocking",
        ),
        error_log=upload("SISERR.LOG", LOG),
        attachments=[upload("schermata.png", PNG)],
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert Case.objects.count() == 0
    assert "This field is required." in html
    assert 'id="id_subject_error"' in html
    assert 'aria-describedby="id_subject_error"' in html
    # Everything typed is still there (escaped)...
    assert "Testo della richiesta &lt;con&gt; caratteri &amp; speciali" in html
    assert 'value="+39 347 7654321"' in html
    assert '<option value="blocking" selected>' in html
    assert f'<option value="{world.vat.pk}" selected' in html
    # ...and the files are listed as already attached.
    assert "Already attached" in html
    assert "SISERR.LOG" in html and "schermata.png" in html
    assert PendingUpload.objects.count() == 2


def test_resubmitting_attaches_the_kept_files(client, world, form_data):
    client.force_login(world.microbit)
    first = post_form(
        client,
        form_data(subject=""),
        error_log=upload("SISERR.LOG", LOG),
        attachments=[upload("schermata.png", PNG)],
    )
    token = kept_token(first.content.decode())

    second = post_form(client, form_data(upload_token=token))

    assert second.status_code == 302
    case = Case.objects.get()
    assert sorted(case.attachments.values_list("name", "kind")) == [
        ("SISERR.LOG", "error_log"),
        ("schermata.png", "other"),
    ]
    assert PendingUpload.objects.count() == 0
    download = client.get(
        url("cases:attachment", case.number, case.attachments.get(kind="error_log").pk)
    )
    assert b"".join(download.streaming_content) == LOG


def test_user_can_remove_a_kept_file(client, world, form_data):
    client.force_login(world.microbit)
    first = post_form(
        client,
        form_data(subject=""),
        attachments=[upload("keep.png", PNG), upload("drop.pdf", PDF)],
    )
    token = kept_token(first.content.decode())
    drop = PendingUpload.objects.get(name="drop.pdf")

    post_form(
        client, {**form_data(upload_token=token), "remove_pending": [str(drop.pk)]}
    )

    case = Case.objects.get()
    assert list(case.attachments.values_list("name", flat=True)) == ["keep.png"]


def test_a_new_error_log_replaces_the_kept_one(client, world, form_data):
    client.force_login(world.microbit)
    first = post_form(client, form_data(subject=""), error_log=upload("old.log", LOG))
    token = kept_token(first.content.decode())

    post_form(client, form_data(upload_token=token), error_log=upload("new.log", LOG))

    case = Case.objects.get()
    assert list(case.attachments.values_list("name", flat=True)) == ["new.log"]
    assert PendingUpload.objects.count() == 0


def test_kept_files_cannot_be_claimed_from_another_session(client, world, form_data):
    from django.test import Client

    client.force_login(world.microbit)
    first = post_form(
        client, form_data(subject=""), attachments=[upload("private.png", PNG)]
    )
    token = kept_token(first.content.decode())
    other = Client()
    other.force_login(world.colleague)

    post_form(other, form_data(upload_token=token))

    case = Case.objects.get()
    assert case.attachments.count() == 0
    assert PendingUpload.objects.filter(name="private.png").exists()


def test_rejected_file_is_explained_next_to_its_field_and_the_rest_is_kept(
    client, world, form_data
):
    client.force_login(world.microbit)

    response = post_form(
        client,
        form_data(),
        attachments=[upload("fattura.pdf", EXE), upload("ok.png", PNG)],
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert Case.objects.count() == 0
    assert 'id="id_attachments_error"' in html
    assert "fattura.pdf does not contain what its extension says" in html
    assert "ok.png" in html  # kept
    assert not PendingUpload.objects.filter(name="fattura.pdf").exists()
    assert 'value="Registro IVA: protocollo duplicato"' in html


def test_area_of_another_product_line_is_refused(client, world, form_data):
    client.force_login(world.microbit)

    response = post_form(
        client, form_data(product_line="accounting", area=str(world.inventory.pk))
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "“Inventory” is not an area of Accounting" in html
    assert 'id="id_area_error"' in html


def test_unlicensed_product_line_is_refused(client, world, form_data):
    client.force_login(world.microbit)

    response = post_form(
        client, form_data(product_line="payroll", area=str(world.payslips.pk))
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.count() == 0


def test_bad_mobile_and_email_are_explained(client, world, form_data):
    client.force_login(world.microbit)

    response = post_form(
        client, form_data(notify_email="not-an-address", notify_mobile="call me")
    )

    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Enter a mobile number with its country code" in html
    assert 'value="call me"' in html


def test_error_messages_follow_the_page_language(client, world, form_data):
    client.force_login(world.microbit)

    response = client.post(url("cases:new", language="it"), form_data(subject=""))

    assert response.status_code == 400
    assert "Questo campo è obbligatorio." in response.content.decode()


def test_chosen_dealer_gets_the_case(client, world, form_data):
    client.force_login(world.microbit)

    post_form(client, form_data(dealer=str(world.centro.pk)))

    case = Case.objects.get()
    assert case.assigned_partner == world.centro
    assigned = case.events.get(kind="assigned")
    assert assigned.comment_label == "dealer chosen by the customer"


def test_attachment_sizes_and_hashes_are_stored(client, world, form_data):
    import hashlib

    client.force_login(world.microbit)

    post_form(client, form_data(), attachments=[upload("fattura.pdf", PDF)])

    attachment = CaseAttachment.objects.get()
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.content_type == "application/pdf"
