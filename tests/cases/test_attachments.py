"""Attachment rules: types checked by content, zip bundles checked without
extraction, size limits, safe names, private storage and safe downloads."""

import gzip
import io
import os
import shutil
import tarfile
import time
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cases.attachments import check_upload, sanitize_filename
from cases.models import Case, CaseAttachment, PendingUpload
from cases.uploads import CappedTemporaryFileUploadHandler

from .conftest import (
    EXE,
    LOG,
    PDF,
    PNG,
    encrypted_zip_bytes,
    upload,
    url,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


def submit(client, form_data, **files):
    return client.post(url("cases:new"), {**form_data(), **files})


def field_errors(response, field: str) -> str:
    html = response.content.decode()
    marker = f'id="id_{field}_error"'
    assert marker in html, f"no error list for {field}"
    start = html.index(marker)
    return html[start : html.index("</ul>", start)]


def tar_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture
def customer_client(client, world):
    client.force_login(world.microbit)
    return client


# Content must match the extension --------------------------------------------------


def test_exe_renamed_pdf_is_refused(customer_client, form_data):
    response = submit(
        customer_client, form_data, attachments=[upload("fattura.pdf", EXE)]
    )

    assert response.status_code == 400
    assert "fattura.pdf does not contain what its extension says: it is not a PDF" in (
        field_errors(response, "attachments")
    )
    assert Case.objects.count() == 0


def test_executable_extension_is_refused(customer_client, form_data):
    response = submit(
        customer_client, form_data, attachments=[upload("setup.exe", EXE)]
    )

    assert "setup.exe: this kind of file cannot be attached here" in field_errors(
        response, "attachments"
    )


def test_binary_file_named_log_is_refused(customer_client, form_data):
    response = submit(customer_client, form_data, error_log=upload("SISERR.LOG", EXE))

    assert "it is not a plain text file" in field_errors(response, "error_log")


def test_error_log_slot_takes_only_text(customer_client, form_data):
    response = submit(customer_client, form_data, error_log=upload("shot.png", PNG))

    assert "Allowed: .log, .txt" in field_errors(response, "error_log")


def test_legacy_code_page_log_is_text(customer_client, form_data):
    # A log written by a Windows program in cp1252, with accented letters.
    log = "Società: errore nella registrazione, riga 118\r\n".encode("cp1252")

    response = submit(customer_client, form_data, error_log=upload("SISERR.LOG", log))

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("shot.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50),
        ("anim.gif", b"GIF89a" + b"\x00" * 50),
        ("doc.pdf", PDF),
        ("notes.txt", b"plain text\n"),
        ("table.csv", b"a;b;c\n1;2;3\n"),
        (
            "report.docx",
            zip_bytes(
                {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
            ),
        ),
        (
            "sheet.ods",
            zip_bytes(
                {
                    "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                    "content.xml": b"<office/>",
                },
                compression=zipfile.ZIP_STORED,
            ),
        ),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    ],
)
def test_allowed_kinds_of_other_attachments(customer_client, form_data, name, content):
    response = submit(customer_client, form_data, attachments=[upload(name, content)])

    assert response.status_code == 302, response.content.decode()[:2000]
    assert CaseAttachment.objects.get().name == name


def test_plain_zip_renamed_docx_is_refused():
    with pytest.raises(ValidationError) as error:
        check_upload(upload("report.docx", zip_bytes({"a.txt": b"x"})), "other")

    assert "not a Office Open XML file" in error.value.messages[0]


# Zip bundles, checked without extracting -------------------------------------------


def test_diagnostic_zip_with_path_traversal_is_refused(customer_client, form_data):
    bundle = zip_bytes({"../../etc/cron.d/evil": b"* * * * * root sh"})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "contains a file with an unsafe path" in field_errors(response, "diagnostic")
    assert Case.objects.count() == 0


def test_diagnostic_zip_with_absolute_path_is_refused(customer_client, form_data):
    bundle = zip_bytes({"/etc/passwd": b"root:x:0:0"})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "unsafe path" in field_errors(response, "diagnostic")


def test_zip_bomb_ratio_is_refused(customer_client, form_data):
    # 50 MB of zeros compress to about 50 KB: a thousandfold expansion.
    bomb = zip_bytes({"zeros.bin": b"\x00" * (50 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bomb))

    assert "is not a plausible diagnostic bundle" in field_errors(
        response, "diagnostic"
    )


def test_zip_expanding_beyond_the_limit_is_refused(
    customer_client, form_data, settings
):
    settings.CASES_ZIP_MAX_UNCOMPRESSED = 1000
    bundle = zip_bytes({"big.txt": os.urandom(2000)})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "would expand to" in field_errors(response, "diagnostic")


def test_encrypted_zip_is_refused(customer_client, form_data):
    response = submit(
        customer_client, form_data, diagnostic=upload("diag.zip", encrypted_zip_bytes())
    )

    assert "contains encrypted files" in field_errors(response, "diagnostic")


def test_corrupt_zip_is_refused(customer_client, form_data):
    response = submit(
        customer_client,
        form_data,
        diagnostic=upload("diag.zip", b"PK\x03\x04" + b"garbage" * 50),
    )

    assert "is not a readable zip archive" in field_errors(response, "diagnostic")


def test_sane_diagnostic_bundle_is_accepted(customer_client, form_data):
    bundle = zip_bytes({"logs/siserr.log": LOG, "info/system.txt": b"Windows 11"})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert response.status_code == 302
    assert CaseAttachment.objects.get().kind == "diagnostic"


# Size limits -----------------------------------------------------------------------


def test_file_over_the_per_file_limit_is_refused_and_not_kept(
    customer_client, form_data, settings
):
    settings.CASES_MAX_FILE_SIZE = 1024
    big = PNG + b"\x00" * 2000

    response = submit(
        customer_client,
        form_data,
        attachments=[upload("big.png", big), upload("small.png", PNG)],
    )

    errors = field_errors(response, "attachments")
    assert "big.png is too large: the limit is 1.0\xa0KB per file." in errors
    assert Case.objects.count() == 0
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["small.png"]


def test_files_over_the_per_case_limit_are_refused(
    customer_client, form_data, settings
):
    settings.CASES_MAX_FILE_SIZE = 3000
    settings.CASES_MAX_CASE_SIZE = 4000
    one = PNG + b"\x00" * 2500

    response = submit(
        customer_client,
        form_data,
        attachments=[upload("one.png", one), upload("two.png", one)],
    )

    errors = field_errors(response, "attachments")
    assert "two.png was not accepted: all the files of a case together" in errors
    assert Case.objects.count() == 0


def test_kept_files_count_towards_the_case_limit(customer_client, form_data, settings):
    settings.CASES_MAX_FILE_SIZE = 3000
    settings.CASES_MAX_CASE_SIZE = 4000
    one = PNG + b"\x00" * 2500
    first = customer_client.post(
        url("cases:new"),
        {**form_data(subject=""), "attachments": [upload("one.png", one)]},
    )
    html = first.content.decode()
    token = html.split('name="upload_token" value="')[1].split('"')[0]

    second = customer_client.post(
        url("cases:new"),
        {**form_data(upload_token=token), "attachments": [upload("two.png", one)]},
    )

    assert "a case may carry at most 3.9\xa0KB" in field_errors(second, "attachments")
    assert Case.objects.count() == 0


# Names, storage and downloads ------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\mario\\Desktop\\SISERR.LOG", "SISERR.LOG"),
        ("schermata del 2 marzo.png", "schermata_del_2_marzo.png"),
        ("perché ù.txt", "perche_u.txt"),
        (".htaccess", "htaccess"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("файл.pdf", "file.pdf"),
        ("日本.txt", "file.txt"),
        ("ääkkönen.log", "aakkonen.log"),
    ],
)
def test_file_names_are_sanitised(given, expected):
    assert sanitize_filename(given) == expected


def test_unsafe_name_is_stored_sanitised(customer_client, form_data):
    submit(customer_client, form_data, attachments=[upload("../../x y<>.png", PNG)])

    assert CaseAttachment.objects.get().name == "x_y_.png"


def test_files_live_outside_the_public_media_tree(customer_client, form_data):
    submit(customer_client, form_data, attachments=[upload("fattura.pdf", PDF)])

    attachment = CaseAttachment.objects.get()
    path = attachment.file.path
    assert path.startswith(str(settings.PRIVATE_STORAGE_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with open(path, "rb") as stored:
        assert stored.read() == PDF
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - no public URL exists


def test_download_is_forced_and_not_sniffable(customer_client, form_data):
    submit(customer_client, form_data, attachments=[upload("fattura.pdf", PDF)])
    attachment = CaseAttachment.objects.get()

    response = customer_client.get(
        url("cases:attachment", attachment.case.number, attachment.pk)
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fattura.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF


def test_attachment_id_of_another_case_is_404(customer_client, form_data, make_case):
    submit(customer_client, form_data, attachments=[upload("fattura.pdf", PDF)])
    attachment = CaseAttachment.objects.get()
    other = make_case()

    response = customer_client.get(url("cases:attachment", other.number, attachment.pk))

    assert response.status_code == 404


# Names in any alphabet -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "name", "content"),
    [
        ("attachments", "файл.pdf", PDF),
        ("error_log", "ääkkönen.log", LOG),
        ("attachments", "日本.txt", "日本語のログ\n".encode()),
    ],
)
def test_non_ascii_name_keeps_its_extension_and_is_shown_whole(
    customer_client, form_data, field, name, content
):
    response = submit(customer_client, form_data, **{field: upload(name, content)})

    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = CaseAttachment.objects.get()
    assert attachment.name == name
    stored = os.path.basename(attachment.file.name)
    assert stored.isascii()
    assert stored.endswith("." + name.rpartition(".")[2])
    page = customer_client.get(response["Location"])
    assert name in page.content.decode()


def test_non_ascii_name_is_downloaded_under_its_own_name(customer_client, form_data):
    submit(customer_client, form_data, attachments=[upload("файл.pdf", PDF)])
    attachment = CaseAttachment.objects.get()

    response = customer_client.get(
        url("cases:attachment", attachment.case.number, attachment.pk)
    )

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%D1%84%D0%B0%D0%B9%D0%BB.pdf" in disposition
    # For clients that read only filename: its ASCII form.
    assert 'filename="file.pdf"' in disposition
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("siserr.log", 'attachment; filename="siserr.log"'),
        (
            "résumé.txt",
            'attachment; filename="resume.txt"; '
            "filename*=utf-8''r%C3%A9sum%C3%A9.txt",
        ),
    ],
)
def test_a_download_names_the_file_for_every_client(
    customer_client, form_data, name, expected
):
    submit(customer_client, form_data, attachments=[upload(name, LOG)])
    attachment = CaseAttachment.objects.get()

    response = customer_client.get(
        url("cases:attachment", attachment.case.number, attachment.pk)
    )

    assert response["Content-Disposition"] == expected


def test_non_ascii_name_with_the_wrong_content_is_refused_by_its_name(
    customer_client, form_data
):
    response = submit(customer_client, form_data, attachments=[upload("файл.pdf", EXE)])

    errors = field_errors(response, "attachments")
    assert "файл.pdf does not contain what its extension says" in errors
    assert Case.objects.count() == 0


def test_kept_upload_keeps_its_non_ascii_name(customer_client, form_data):
    response = submit(
        customer_client,
        lambda: form_data(subject=""),
        attachments=[upload("ääkkönen.pdf", PDF)],
    )

    assert response.status_code == 400
    assert list(PendingUpload.objects.values_list("name", flat=True)) == [
        "ääkkönen.pdf"
    ]
    assert "ääkkönen.pdf" in response.content.decode()


# Archives inside archives ----------------------------------------------------------


def test_zip_inside_a_diagnostic_zip_is_refused(customer_client, form_data):
    inner = zip_bytes({"zeros.bin": b"\x00" * 1000})
    bundle = zip_bytes({"logs/siserr.log": LOG, "more/inner.zip": inner})

    response = submit(
        customer_client,
        form_data,
        diagnostic=upload("diag.zip", bundle),
        attachments=[upload("shot.png", PNG)],
    )

    errors = field_errors(response, "diagnostic")
    assert "diag.zip contains another archive or compressed file" in errors
    assert "more/inner.zip" in errors
    assert Case.objects.count() == 0
    # The rest of the form is not lost: the valid file is kept for the next try.
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["shot.png"]


def test_archive_nested_at_any_depth_and_renamed_is_refused(customer_client, form_data):
    # A zip in a zip in a zip, the inner ones named as if they were data.
    deepest = zip_bytes({"zeros.bin": b"\x00" * 1000})
    middle = zip_bytes({"data.dat": deepest})
    bundle = zip_bytes({"readme.txt": b"see data", "payload.bin": middle})

    response = submit(
        customer_client, form_data, attachments=[upload("bundle.zip", bundle)]
    )

    errors = field_errors(response, "attachments")
    assert "bundle.zip contains another archive or compressed file" in errors
    assert "payload.bin" in errors


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("dump.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 100),
        # Gzip under another name than *.gz: a layer hidden as data.
        ("siserr.dat", gzip.compress(b"x" * 5000)),
        # A *.gz holding an archive or another compressed stream.
        ("logs.tar.gz", gzip.compress(tar_bytes({"a.txt": b"hello"}))),
        ("twice.log.gz", gzip.compress(gzip.compress(b"x" * 5000))),
        ("inner.zip.gz", gzip.compress(zip_bytes({"a.txt": b"a"}))),
        ("backup.tar", tar_bytes({"a.txt": b"hello"})),
    ],
)
def test_compressed_members_of_a_bundle_are_refused(
    customer_client, form_data, member, content
):
    bundle = zip_bytes({"siserr.log": LOG, member: content})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "contains another archive or compressed file" in field_errors(
        response, "diagnostic"
    )


def test_rotated_logs_compressed_with_gzip_are_accepted_in_a_bundle(
    customer_client, form_data
):
    bundle = zip_bytes(
        {
            "logs/siserr.log": LOG,
            "logs/siserr.log.1.gz": gzip.compress(LOG * 50),
            # Concatenated members and trailing padding, as some tools write.
            "logs/siserr.log.2.gz": gzip.compress(LOG) + gzip.compress(LOG) + b"\0" * 8,
        }
    )

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert (attachment.name, attachment.kind) == ("diag.zip", "diagnostic")


def test_a_gzip_member_that_expands_too_much_is_refused(customer_client, form_data):
    # 50 MB of zeros gzip to about 50 KB: the bundle may expand to 10 MB.
    bomb = gzip.compress(b"\x00" * (50 * 1024 * 1024))
    bundle = zip_bytes({"siserr.log": LOG, "zeros.log.gz": bomb})
    assert len(bundle) < 200 * 1024

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "is not a plausible diagnostic bundle" in field_errors(
        response, "diagnostic"
    )
    assert Case.objects.count() == 0


def test_a_gzip_member_counts_its_expanded_size_towards_the_limit(
    customer_client, form_data, settings
):
    settings.CASES_ZIP_MAX_UNCOMPRESSED = 10_000
    bundle = zip_bytes({"siserr.log.gz": gzip.compress(b"line\n" * 4000)})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "would expand to" in field_errors(response, "diagnostic")


@pytest.mark.parametrize(
    "content",
    [
        gzip.compress(LOG * 200)[:-30],  # cut short
        b"\x1f\x8b\x08\x00" + b"\xff" * 200,  # not deflate data
    ],
)
def test_a_damaged_gzip_member_is_refused(customer_client, form_data, content):
    bundle = zip_bytes({"siserr.log.1.gz": content})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    errors = field_errors(response, "diagnostic")
    assert "diag.zip contains a damaged compressed file (siserr.log.1.gz)" in errors


def test_office_file_with_an_embedded_workbook_is_accepted(customer_client, form_data):
    # Word keeps an embedded spreadsheet as an .xlsx (a zip) inside the .docx.
    workbook = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b""})
    document = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w/>",
            "word/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook,
        }
    )

    response = submit(
        customer_client, form_data, attachments=[upload("report.docx", document)]
    )

    assert response.status_code == 302


def test_zip_with_too_many_entries_is_refused(customer_client, form_data, settings):
    settings.CASES_ZIP_MAX_ENTRIES = 3
    bundle = zip_bytes({f"log{n}.txt": LOG for n in range(5)})

    response = submit(customer_client, form_data, diagnostic=upload("diag.zip", bundle))

    assert "contains too many files (more than 3)" in field_errors(
        response, "diagnostic"
    )


def test_nested_archive_message_is_translated(client, world, form_data):
    client.force_login(world.microbit)
    bundle = zip_bytes({"inner.zip": zip_bytes({"a.txt": b"a"})})

    response = client.post(
        url("cases:new", language="it"),
        {**form_data(), "diagnostic": upload("diag.zip", bundle)},
    )

    assert "diag.zip contiene un altro archivio" in field_errors(response, "diagnostic")


# Logs are read to the end ----------------------------------------------------------


@pytest.mark.parametrize(
    "layout",
    [
        # A plausible first 8 KB (and more), then an executable.
        lambda text, binary: text * 3 + binary,
        # Text at both ends, binary in the middle.
        lambda text, binary: text * 3 + binary + text * 3,
    ],
    ids=["binary-tail", "binary-middle"],
)
def test_log_with_binary_after_its_start_is_refused(customer_client, form_data, layout):
    text = LOG * 400  # about 40 KB of log lines
    binary = EXE * 300 + os.urandom(70_000)
    content = layout(text, binary)
    assert len(content) > 200_000

    response = submit(
        customer_client, form_data, error_log=upload("SISERR.LOG", content)
    )

    assert "it is not a plain text file" in field_errors(response, "error_log")
    assert Case.objects.count() == 0


def test_long_log_in_a_legacy_code_page_is_accepted(customer_client, form_data):
    line = "Società: errore 4711 nella registrazione, riga 118\r\n".encode("cp1252")
    content = line * 40_000  # about 2 MB

    response = submit(
        customer_client, form_data, error_log=upload("SISERR.LOG", content)
    )

    assert response.status_code == 302


def test_long_utf16_log_is_accepted(customer_client, form_data):
    content = ("Virhe 4711: kirjaus epäonnistui\r\n" * 5_000).encode("utf-16")
    assert len(content) > 200_000

    response = submit(
        customer_client, form_data, error_log=upload("SISERR.LOG", content)
    )

    assert response.status_code == 302


def test_utf16_log_with_binary_after_its_start_is_refused(customer_client, form_data):
    text = ("Virhe 4711: kirjaus epäonnistui\r\n" * 2_000).encode("utf-16")
    content = text + os.urandom(100_000)

    response = submit(
        customer_client, form_data, error_log=upload("SISERR.LOG", content)
    )

    assert "it is not a plain text file" in field_errors(response, "error_log")


# No file without its row -----------------------------------------------------------


@pytest.fixture
def empty_storage():
    """No stored files from earlier tests (their rows went with their
    transaction, so they are orphans too), and none left for later ones."""

    def empty():
        for folder in ("cases", "pending"):
            shutil.rmtree(os.path.join(settings.PRIVATE_STORAGE_ROOT, folder), True)

    empty()
    yield
    empty()


def _age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def _orphan(relative: str, hours: float) -> str:
    path = os.path.join(settings.PRIVATE_STORAGE_ROOT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(PDF)
    _age(path, hours)
    return path


def test_files_without_their_row_are_swept(customer_client, form_data, empty_storage):
    # What a server killed during a submission leaves: files in the folder of a
    # case number that was never committed (the next case will take it).
    submit(customer_client, form_data, attachments=[upload("kept.pdf", PDF)])
    attachment = CaseAttachment.objects.get()
    _age(attachment.file.path, 5)
    folder = os.path.dirname(attachment.file.name)
    stale = _orphan(f"{folder}/0123456789ab-fattura.pdf", 2)
    other_case = _orphan("cases/2026/2026-999999/ba9876543210-log.txt", 30)
    old_pending = _orphan("pending/abcdefghijklmnop/111111111111-x.pdf", 2)
    fresh = _orphan("cases/2026/2026-999998/222222222222-y.pdf", 0.1)
    out = io.StringIO()

    call_command("clear_pending_uploads", stdout=out)

    assert not os.path.exists(stale)
    assert not os.path.exists(other_case)
    assert not os.path.exists(old_pending)
    # A file younger than an hour may belong to a submission still running.
    assert os.path.exists(fresh)
    assert os.path.exists(attachment.file.path)
    assert "3 stored file(s) without a record" in out.getvalue()


def test_empty_folders_are_swept_once_they_are_an_hour_old(empty_storage):
    root = settings.PRIVATE_STORAGE_ROOT
    # Emptied by an earlier sweep: the case number's folder, then its year's.
    old_case = os.path.join(root, "cases", "2026", "2026-999999")
    old_form = os.path.join(root, "pending", "abcdefghijklmnop")
    young = os.path.join(root, "cases", "2026", "2026-999998")
    for folder in (old_case, old_form, young):
        os.makedirs(folder)
    kept_file = _orphan("cases/2025/2025-000001/444444444444-w.pdf", 0.1)
    for folder in (old_case, old_form):
        _age(folder, 2)
    out = io.StringIO()

    call_command("clear_pending_uploads", stdout=out)

    assert not os.path.exists(old_case) and not os.path.exists(old_form)
    # A young folder may be a submission's about to write its first file.
    assert os.path.isdir(young)
    assert os.path.exists(kept_file)
    # The folders the sweep itself uses stay.
    assert os.path.isdir(os.path.join(root, "cases"))
    assert os.path.isdir(os.path.join(root, "pending"))
    assert "2 empty folder(s) older than 1 h removed" in out.getvalue()


def test_kept_uploads_are_not_swept(customer_client, form_data, empty_storage):
    submit(
        customer_client,
        lambda: form_data(subject=""),
        attachments=[upload("kept.pdf", PDF)],
    )
    pending = PendingUpload.objects.get()
    _age(pending.file.path, 5)

    call_command("clear_pending_uploads", stdout=io.StringIO())

    assert os.path.exists(pending.file.path)


def test_dry_run_only_counts(customer_client, empty_storage):
    stale = _orphan("cases/2026/2026-999997/333333333333-z.pdf", 2)
    out = io.StringIO()

    call_command("clear_pending_uploads", "--dry-run", stdout=out)

    assert os.path.exists(stale)
    assert "1 stored file(s) without a record" in out.getvalue()


def test_stale_temporary_uploads_are_swept(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    # Uploads as the handler writes them, left behind by a killed process.
    handlers = []
    for _ in range(2):
        handler = CappedTemporaryFileUploadHandler()
        handler.new_file("attachments", "файл.pdf", "application/pdf", None)
        handler.receive_data_chunk(PDF, 0)
        handlers.append(handler)
    stale, fresh = (handler.file.temporary_file_path() for handler in handlers)
    _age(stale, 2)
    foreign = tmp_path / "tmpabcdef.upload.pdf"
    foreign.write_bytes(PDF)
    _age(foreign, 2)
    out = io.StringIO()

    call_command("clear_pending_uploads", stdout=out)

    assert not os.path.exists(stale)
    assert os.path.exists(fresh)
    assert foreign.exists()  # not written by our handler: not ours to remove
    assert "1 temporary upload(s)" in out.getvalue()
    for handler in handlers:
        handler.file.close()


def test_a_kept_upload_taken_by_a_case_is_young_again(customer_client, form_data):
    # Linked into the case's folder before its row commits: an old modification
    # time would let the sweep take it for an orphan meanwhile.
    first = submit(
        customer_client,
        lambda: form_data(subject=""),
        attachments=[upload("kept.pdf", PDF)],
    )
    html = first.content.decode()
    token = html.split('name="upload_token" value="')[1].split('"')[0]
    _age(PendingUpload.objects.get().file.path, 5)

    response = submit(customer_client, lambda: form_data(upload_token=token))

    assert response.status_code == 302
    path = CaseAttachment.objects.get().file.path
    assert os.stat(path).st_mtime > time.time() - 600


def test_damaged_gzip_member_message_is_translated(client, world, form_data):
    client.force_login(world.microbit)
    bundle = zip_bytes({"siserr.log.1.gz": gzip.compress(LOG * 200)[:-30]})

    response = client.post(
        url("cases:new", language="fi"),
        {**form_data(), "diagnostic": upload("diag.zip", bundle)},
    )

    assert "diag.zip sisältää vioittuneen pakatun tiedoston" in field_errors(
        response, "diagnostic"
    )
