"""The JSON API used by the product's Help menu: token authentication, opening a
case with files (201/400), the company's cases (list, detail, 404 for others),
product lines and areas in the request's language."""

import io

import pytest
from django.core.management import call_command

from accounts.models import Customer
from cases.models import ApiToken, Case, CaseAttachment, Source
from cases.services import add_case_message
from cases.tokens import issue_api_token

from .conftest import EXE, LOG, PDF, PNG, upload, zip_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.urls")]

CASES = "/api/cases/"
LINES = "/api/product-lines/"


@pytest.fixture
def token(world):
    _row, raw = issue_api_token(world.microbit.customer, "server-01")
    return raw


@pytest.fixture
def rossi_token(world):
    return issue_api_token(world.rossi.customer, "rossi-pc")[1]


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def case_fields(**overrides):
    fields = {
        "product_line": "accounting",
        "area": "vat",
        "urgency": "blocking",
        "subject": "Errore 4711 in stampa",
        "request": "Aperto dal menu Aiuto del programma.",
        "notify_email": "amministrazione@microbit.example",
        "notify_mobile": "+39 347 1234567",
        "auto_notify": "false",
    }
    fields.update(overrides)
    return fields


# Authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer spt_not-a-real-token"},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ],
)
def test_requests_without_a_valid_token_get_401(client, world, header):
    for response in (
        client.get(CASES, **header),
        client.post(CASES, case_fields(), **header),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "error" in response.json()
    assert Case.objects.count() == 0


def test_revoked_token_is_refused(client, world, token):
    out = io.StringIO()
    call_command("issue_api_token", "--revoke", token[:12], stdout=out)

    response = client.get(CASES, **auth(token))

    assert "Revoked token" in out.getvalue()
    assert response.status_code == 401


def test_token_of_an_inactive_customer_is_refused(client, world, token):
    Customer.objects.filter(code="024200").update(is_active=False)

    assert client.get(CASES, **auth(token)).status_code == 401


def test_only_a_hash_of_the_token_is_stored(world, token):
    row = ApiToken.objects.get()

    assert token not in (row.token_hash, row.prefix, row.name)
    assert row.prefix == token[:12]
    assert len(row.token_hash) == 64


def test_issue_command_prints_a_working_token(client, world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "issue_api_token", "031337", "--name", "studio", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()

    response = client.get(CASES, **auth(raw))

    assert response.status_code == 200
    assert "Rossi" in err.getvalue()
    assert ApiToken.objects.get().name == "studio"


# Opening a case --------------------------------------------------------------------


def test_post_opens_a_case_with_its_files(
    client, world, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CASES,
            {
                **case_fields(),
                "error_log": upload("SISERR.LOG", LOG),
                "diagnostic": upload("diag.zip", zip_bytes({"a.log": LOG})),
                "attachments": [upload("a.png", PNG), upload("b.pdf", PDF)],
            },
            **auth(token),
        )

    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body == {
        "number": case.number,
        "url": f"http://testserver/en/cases/{case.number}/",
        "status": "assigned",
        "assigned_to": "Nordest Informatica Srl",
    }
    assert case.source == Source.API
    assert case.customer.code == "024200"
    assert case.reporter is None
    assert case.urgency == "blocking"
    assert case.auto_notify is False
    assert case.notify_mobile == "+393471234567"
    assert sorted(CaseAttachment.objects.values_list("kind", "name")) == [
        ("diagnostic", "diag.zip"),
        ("error_log", "SISERR.LOG"),
        ("other", "a.png"),
        ("other", "b.pdf"),
    ]


def test_post_with_lang_answers_in_that_language(client, world, token):
    response = client.post(CASES + "?lang=it", case_fields(), **auth(token))

    assert response.status_code == 201
    assert "/it/cases/" in response.json()["url"]


def test_invalid_post_gets_400_with_errors_per_field(client, world, token):
    response = client.post(
        CASES,
        {
            **case_fields(subject="", area="payslips", notify_email="nope"),
            "attachments": [upload("fattura.pdf", EXE)],
        },
        **auth(token),
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"subject", "area", "notify_email", "attachments"}
    assert "is not an area of accounting" in errors["area"][0]
    assert "does not contain what its extension says" in errors["attachments"][0]
    assert Case.objects.count() == 0


def test_errors_follow_accept_language(client, world, token):
    response = client.post(
        CASES,
        case_fields(subject=""),
        HTTP_ACCEPT_LANGUAGE="it",
        **auth(token),
    )

    assert response.json()["errors"]["subject"] == ["Questo campo è obbligatorio."]


def test_unlicensed_product_line_is_refused(client, world, token):
    response = client.post(
        CASES, case_fields(product_line="payroll", area="payslips"), **auth(token)
    )

    assert response.status_code == 400
    assert "Unknown product line" in response.json()["errors"]["product_line"][0]


def test_case_creation_is_rate_limited(client, world, token, settings):
    settings.CASES_CREATE_RATE = (2, 3600)

    statuses = [
        client.post(CASES, case_fields(), **auth(token)).status_code for _ in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert Case.objects.count() == 2


def test_api_requests_are_rate_limited_per_token(client, world, token, settings):
    settings.CASES_API_RATE = (3, 60)

    statuses = [client.get(CASES, **auth(token)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_unsupported_method_gets_405(client, world, token):
    response = client.delete(CASES, **auth(token))

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


# Reading cases ---------------------------------------------------------------------


def test_list_shows_only_the_token_company_cases(
    client, world, token, rossi_token, make_case
):
    mine = make_case(subject="Microbit case")
    theirs = make_case(user=world.rossi, subject="Rossi case")

    response = client.get(CASES, **auth(token))

    assert response.status_code == 200
    numbers = [item["number"] for item in response.json()["results"]]
    assert numbers == [mine.number]
    other = client.get(CASES, **auth(rossi_token)).json()["results"]
    assert [item["number"] for item in other] == [theirs.number]


def test_list_filters_by_status_and_text(client, world, token, make_case):
    from cases.services import transition_case

    open_case = make_case(subject="Giacenze negative")
    solved = make_case(subject="Registro IVA")
    transition_case(solved, "resolved", world.partner)

    def numbers(query):
        response = client.get(CASES + query, **auth(token))
        return [item["number"] for item in response.json()["results"]]

    assert numbers("?status=open") == [open_case.number]
    assert numbers("?status=resolved") == [solved.number]
    assert numbers("?q=giacenze") == [open_case.number]


@pytest.mark.parametrize("status", ["opne", "OPEN", "closed-ish"])
def test_unknown_status_filter_is_a_400_naming_the_parameter(
    client, world, token, make_case, status
):
    make_case()

    response = client.get(CASES, {"status": status}, **auth(token))

    assert response.status_code == 400
    message = response.json()["errors"]["status"][0]
    assert f"Unknown status “{status}”" in message
    assert "open, resolved, all" in message


def test_unknown_status_filter_is_explained_in_the_request_language(
    client, world, token
):
    response = client.get(CASES + "?status=opne&lang=it", **auth(token))

    assert response.status_code == 400
    assert "Stato sconosciuto" in response.json()["errors"]["status"][0]


@pytest.mark.parametrize("page", ["abc", "1.5", "0", "-1"])
def test_a_page_that_is_not_a_positive_number_is_a_400(client, world, token, page):
    response = client.get(CASES, {"page": page}, **auth(token))

    assert response.status_code == 400
    assert response.json()["errors"]["page"] == [
        "The page must be a whole number from 1."
    ]


def test_a_page_past_the_last_is_a_json_404(client, world, token, make_case):
    make_case()

    response = client.get(CASES + "?page=7", **auth(token))

    assert response.status_code == 404
    assert response.json() == {"error": "There is no page 7: the last page is 1."}
    assert client.get(CASES + "?page=1", **auth(token)).json()["page"] == 1


def test_multipart_without_boundary_is_a_json_400(client, world, token):
    response = client.generic(
        "POST",
        CASES,
        b"subject=Errore",
        content_type="multipart/form-data",
        HTTP_ACCEPT_LANGUAGE="fi",
        **auth(token),
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "multipart/form-data" in response.json()["error"]
    assert Case.objects.count() == 0


def test_detail_shows_messages_but_never_internal_notes(
    client, world, token, make_case
):
    case = make_case()
    add_case_message(case, world.partner, "Public reply", notify=False)
    add_case_message(case, world.partner, "Secret note", internal=True, notify=False)

    response = client.get(f"{CASES}{case.number}/", **auth(token))

    assert response.status_code == 200
    data = response.json()
    assert data["number"] == case.number
    assert data["status"] == "assigned"
    assert data["request"] == case.request
    assert [message["body"] for message in data["messages"]] == ["Public reply"]
    assert "Secret note" not in response.content.decode()
    assert [event["to"] for event in data["history"]][:1] == ["new"]


def test_detail_of_another_company_case_is_404(
    client, world, token, rossi_token, make_case
):
    theirs = make_case(user=world.rossi)

    assert client.get(f"{CASES}{theirs.number}/", **auth(token)).status_code == 404
    assert client.get(f"{CASES}2000-000042/", **auth(token)).status_code == 404
    assert (
        client.get(f"{CASES}{theirs.number}/", **auth(rossi_token)).status_code == 200
    )


# Product lines ---------------------------------------------------------------------


def test_product_lines_in_the_requested_language(client, world):
    english = client.get(LINES).json()
    italian = client.get(LINES + "?lang=it").json()
    finnish = client.get(LINES, HTTP_ACCEPT_LANGUAGE="fi").json()

    lines = {line["code"]: line for line in english["results"]}
    assert set(lines) == {"accounting", "payroll", "warehouse"}
    assert {area["code"] for area in lines["accounting"]["areas"]} == {
        "general-ledger",
        "vat",
        "financial-statements",
    }
    assert italian["language"] == "it"
    assert finnish["language"] == "fi"
    italian_names = {line["code"]: line["name"] for line in italian["results"]}
    assert italian_names["accounting"] == world.accounting.name_it
    finnish_names = {line["code"]: line["name"] for line in finnish["results"]}
    assert finnish_names["accounting"] == world.accounting.name_fi


def test_product_lines_with_a_token_are_the_licensed_ones(client, world, token):
    data = client.get(LINES, **auth(token)).json()

    assert [line["code"] for line in data["results"]] == ["accounting", "warehouse"]


def test_product_lines_with_a_bad_token_is_401(client, world):
    assert client.get(LINES, **auth("spt_wrong")).status_code == 401


def test_unknown_api_address_is_a_json_404(client, world):
    response = client.get("/api/nothing-here/")

    assert response.status_code == 404
    assert response.json() == {"error": "No such API endpoint."}


def test_api_answers_are_private_and_not_stored(client, world, token, make_case):
    case = make_case()

    for address in (CASES, f"{CASES}{case.number}/"):
        response = client.get(address, **auth(token))
        assert response.status_code == 200
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives


# File names and bodies the parser cannot read -------------------------------------

BOUNDARY = "sportello-test-boundary"


def multipart(fields: dict, files: list[tuple[str, bytes, bytes]]) -> bytes:
    """A multipart/form-data body written by hand, so that a file part's
    Content-Disposition can carry exactly the bytes a client sent."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()
        )
    for name, filename_param, content in files:
        parts.append(
            f'Content-Disposition: form-data; name="{name}"; '.encode()
            + filename_param
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + content
        )
    delimiter = f"--{BOUNDARY}".encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts)
    return body + delimiter + b"--\r\n"


def post_multipart(client, token, body, **extra):
    return client.generic(
        "POST",
        CASES,
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **auth(token),
        **extra,
    )


@pytest.mark.parametrize(
    "filename_param",
    [
        # A Windows program writing the name in its code page, not UTF-8.
        'filename="fattura è.pdf"'.encode("cp1252"),
        # RFC 5987 with a charset nobody knows.
        b"filename*=x-unknown''fattura.pdf",
        # Nothing left once the path is taken away.
        b'filename=".."',
    ],
    ids=["cp1252", "unknown-charset", "dot-dot"],
)
def test_file_part_with_an_unreadable_name_is_a_json_400(
    client, world, token, filename_param
):
    body = multipart(case_fields(), [("attachments", filename_param, PDF)])

    response = post_multipart(client, token, body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    messages = response.json()["errors"]["attachments"]
    assert "The name of a file sent as “attachments” could not be read" in messages[0]
    assert Case.objects.count() == 0


def test_unreadable_file_name_is_explained_in_the_request_language(
    client, world, token
):
    body = multipart(
        case_fields(), [("error_log", 'filename="è.log"'.encode("cp1252"), LOG)]
    )

    response = post_multipart(client, token, body, HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 400
    assert (
        "Il nome di un file inviato come “error_log”"
        in (response.json()["errors"]["error_log"][0])
    )


@pytest.mark.parametrize(
    "filename_param",
    [
        'filename="файл.pdf"'.encode(),
        b"filename*=UTF-8''%D1%84%D0%B0%D0%B9%D0%BB.pdf",
    ],
    ids=["utf-8", "rfc-5987"],
)
def test_file_part_with_a_non_ascii_name_opens_the_case(
    client, world, token, filename_param
):
    body = multipart(case_fields(), [("attachments", filename_param, PDF)])

    response = post_multipart(client, token, body)

    assert response.status_code == 201, response.content
    assert CaseAttachment.objects.get().name == "файл.pdf"


def test_invalid_posts_do_not_count_towards_the_case_limit(
    client, world, token, settings
):
    settings.CASES_CREATE_RATE = (1, 3600)

    statuses = [
        client.post(CASES, case_fields(subject=""), **auth(token)).status_code,
        client.post(
            CASES,
            {**case_fields(), "attachments": [upload("fattura.pdf", EXE)]},
            **auth(token),
        ).status_code,
        client.post(CASES, case_fields(), **auth(token)).status_code,
        client.post(CASES, case_fields(), **auth(token)).status_code,
    ]

    assert statuses == [400, 400, 201, 429]
    assert Case.objects.count() == 1


def test_unreadable_name_after_a_large_file_is_still_found(client, world, token):
    # The parts' headers are watched as the body streams in chunks: a bad name
    # far into the body, after a file larger than a chunk, is found too.
    body = multipart(
        case_fields(),
        [
            ("error_log", b'filename="SISERR.LOG"', LOG * 3000),
            ("attachments", 'filename="è.pdf"'.encode("cp1252"), PDF),
        ],
    )
    assert len(body) > 300_000

    response = post_multipart(client, token, body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["attachments"]
    assert Case.objects.count() == 0


def test_large_files_with_good_names_open_the_case(client, world, token):
    body = multipart(
        case_fields(),
        [
            ("error_log", 'filename="ääkkönen.log"'.encode(), LOG * 3000),
            ("attachments", 'filename="日本.pdf"'.encode(), PDF + b"\n" * 200_000),
        ],
    )

    response = post_multipart(client, token, body)

    assert response.status_code == 201, response.content
    assert sorted(CaseAttachment.objects.values_list("name", "size")) == [
        ("ääkkönen.log", len(LOG) * 3000),
        ("日本.pdf", len(PDF) + 200_000),
    ]


def test_too_many_files_is_a_json_400_and_opens_no_case(client, world, token, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [
        ("attachments", f'filename="log{n}.txt"'.encode(), b"ok\n") for n in range(3)
    ]

    response = post_multipart(client, token, multipart(case_fields(), files))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "at most 2 files" in response.json()["error"]
    assert Case.objects.count() == 0


def test_too_large_text_fields_are_a_json_413_and_open_no_case(
    client, world, token, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    fields = case_fields()
    fields["request"] = "Il gestionale si blocca. " * 100

    response = post_multipart(client, token, multipart(fields, []))

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["error"]
    assert Case.objects.count() == 0
