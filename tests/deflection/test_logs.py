"""Error logs: the demo vendor's SISERR.LOG format, a configurable pattern, and
files that are empty, huge, binary or not UTF-8 — parsed, and uploaded at the
first step of "New case" (never a 500)."""

import codecs

import pytest

from deflection.logs import PatternLogParser, codes_in_text, parse_error_log

from .conftest import DEMO_LOG, upload, url

NON_UTF8 = (
    "2026-03-02 11:07:51 ERRORE MAG-2001 Quantità negativa non ammessa\r\n".encode(
        "cp1252"
    )
)


def test_demo_log_codes_most_frequent_first_with_their_message():
    log = DEMO_LOG + b"2026-03-02 11:07:51 ERROR MAG-2001 Articolo A-1020 negativo\n"

    report = parse_error_log(log)

    assert report.codes == ["SIS-1042", "MAG-2001"]
    assert report.entries[0].count == 2
    assert report.entries[0].message == "Archivio bloccato da un altro utente"
    assert report.lines_read == 4


def test_lines_without_a_code_and_the_old_numeric_format_are_skipped():
    report = parse_error_log(
        b"2026-03-02 10:14:03 ERRORE 4711 Protocollo duplicato\r\n"
        b"Stack: REGIVA.PRG riga 118\r\n"
    )

    assert report.codes == []
    assert report.lines_read == 2


@pytest.mark.parametrize(
    ("content", "codes"),
    [
        (b"", []),
        (b"\x00\x01\x02\x03PK\x03\x04" * 5000, []),
        (NON_UTF8, ["MAG-2001"]),
        (
            codecs.BOM_UTF16_LE + "ERROR PAG-3100 Cedolino\r\n".encode("utf-16-le"),
            ["PAG-3100"],
        ),
        (
            b"ERROR SIS-1042 " + b"x" * 5_000_000 + b"\nERROR CON-1200 IVA\n",
            ["CON-1200"],
        ),
    ],
    ids=["empty", "binary", "cp1252", "utf16", "endless-line"],
)
def test_awkward_files_give_what_they_can(content, codes):
    assert parse_error_log(content).codes == codes


def test_binary_files_are_recognised():
    assert parse_error_log(b"\x7fELF\x00\x00\x00" * 100).binary


def test_a_huge_log_is_read_from_its_end_only(settings):
    settings.DEFLECTION_LOG_MAX_BYTES = 10_000
    old = b"2025-01-01 00:00:00 ERROR CON-1000 Vecchio errore\n"
    new = b"2026-03-02 10:15:22 ERROR SIS-1042 Archivio bloccato\n"

    report = parse_error_log(old + b"2025-01-01 INFO riga\n" * 5000 + new)

    assert report.truncated
    assert report.codes == ["SIS-1042"]


def test_the_line_pattern_is_configurable(settings):
    settings.DEFLECTION_LOG_LINE_PATTERN = r"^E\|(?P<code>\d{4})\|(?P<message>.*)$"

    report = parse_error_log(b"E|4711|Protocollo duplicato\nI|0001|ok\n")

    assert report.codes == ["4711"]
    assert report.entries[0].message == "Protocollo duplicato"


def test_a_pattern_without_a_code_group_is_refused():
    with pytest.raises(ValueError, match="code"):
        PatternLogParser(r"ERROR (\S+)")


def test_codes_typed_in_a_description_count_in_any_case():
    assert codes_in_text("Errore sis-1042 all'apertura, poi SIS-1042") == ["SIS-1042"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("SISERR.LOG", b""),
        ("SISERR.LOG", b"\x00\x01\x02" * 100_000),
        ("SISERR.LOG", NON_UTF8),
        ("SISERR.LOG", DEMO_LOG * 40_000),
        ("siserr.exe", b"MZ\x90\x00" * 100),
    ],
    ids=["empty", "binary", "cp1252", "huge", "wrong-type"],
)
def test_logs_uploaded_at_the_first_step_never_fail(as_user, name, content):
    client = as_user("024200")

    response = client.post(
        url("deflection:start"),
        {
            "product_line": "accounting",
            "description": "The program stops when I open the company",
            "action": "suggest",
            "error_log": upload(name, content),
        },
    )

    assert response.status_code in (302, 400)
    page = client.get(url("deflection:start"))
    assert page.status_code == 200


def test_a_demo_log_at_the_first_step_suggests_the_article_for_its_code(as_user):
    client = as_user("024200")

    client.post(
        url("deflection:start"),
        {
            "product_line": "accounting",
            "description": "I cannot open the company",
            "action": "suggest",
            "error_log": upload("SISERR.LOG", DEMO_LOG),
        },
    )
    html = client.get(url("deflection:start")).content.decode()

    assert "Error codes recognised:" in html and "<code>SIS-1042</code>" in html
    first = html.index('class="suggestion-list"')
    assert html.index("Error SIS-1042: company archive locked", first) > first
    assert "Attached: SISERR.LOG" in html
