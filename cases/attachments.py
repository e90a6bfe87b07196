"""Checking and storing attachments.

A file is accepted when its extension is allowed for its slot, its content is
what the extension says (magic bytes, not the browser's content type; text is
read to its end), it is within the size limits, and — for zip-based formats —
its directory is sane: no encrypted entries, no absolute or ``..`` names, no
absurd expansion, and in a bundle no other archive. Nothing is extracted: only
the zip directory and the first bytes of a bundle's members are read.

A file keeps the name it was sent with, in any alphabet, for people to read
(``display_filename``); on disk it has an ASCII name (``sanitize_filename``)
after a prefix unique to the file.
"""

import codecs
import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import conf
from .storage import private_storage

HEAD_BYTES = 8192
# Text is read to its end in chunks of this size (bounded memory, one pass).
TEXT_CHUNK_BYTES = 64 * 1024

# What each extension's content must be, and the Content-Type it is served with.
EXTENSION_TYPES: dict[str, tuple[str, str]] = {
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "pdf": ("pdf", "application/pdf"),
    "zip": ("zip", "application/zip"),
    "docx": (
        "ooxml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "ooxml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": (
        "ooxml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "odt": ("odf", "application/vnd.oasis.opendocument.text"),
    "ods": ("odf", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("odf", "application/vnd.oasis.opendocument.presentation"),
    "doc": ("ole2", "application/msword"),
    "xls": ("ole2", "application/vnd.ms-excel"),
    "ppt": ("ole2", "application/vnd.ms-powerpoint"),
    "txt": ("text", "text/plain"),
    "log": ("text", "text/plain"),
    "csv": ("text", "text/csv"),
}

TYPE_LABELS = {
    "png": "PNG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "webp": "WebP",
    "pdf": "PDF",
    "zip": "ZIP",
    "ooxml": "Office Open XML",
    "odf": "OpenDocument",
    "ole2": "Microsoft Office",
    "text": gettext_lazy("plain text"),
}

ZIP_BASED = {"zip", "ooxml", "odf"}

# The first bytes of archives and compressed streams, and where they start: a
# bundle holding one of these is refused, whatever the member is called (a zip
# bomb hides its layers inside one another).
ARCHIVE_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (0, b"PK\x03\x04"),  # zip (and jar, docx, …)
    (0, b"PK\x05\x06"),  # empty zip
    (0, b"PK\x07\x08"),  # spanned zip
    (0, b"\x1f\x8b"),  # gzip
    (0, b"\x1f\x9d"),  # compress (.Z)
    (0, b"\xfd7zXZ\x00"),  # xz
    (0, b"7z\xbc\xaf\x27\x1c"),  # 7-Zip
    (0, b"Rar!\x1a\x07"),  # RAR
    (0, b"\x28\xb5\x2f\xfd"),  # Zstandard
    (0, b"MSCF"),  # Windows cabinet
    (0, b"LZIP"),  # lzip
    (257, b"ustar"),  # tar
)
ARCHIVE_PEEK_BYTES = 262
# A gzip-compressed member of a bundle: its magic, zlib's window bits for the
# gzip format, and the chunks it is read and expanded in.
GZIP_HEAD = b"\x1f\x8b"
GZIP_WBITS = 16 + zlib.MAX_WBITS
GZIP_CHUNK = 64 * 1024
BZIP2_HEAD = re.compile(rb"BZh[1-9]1AY&SY")
# Archives smaller than this once expanded are never called bombs, whatever
# their ratio (a megabyte of zeros compresses a thousandfold).
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
SAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def sanitize_filename(name: str) -> str:
    """The name a file is stored under: the last path component in ASCII
    letters, digits, dot, dash and underscore, no leading dot, at most
    ``FILENAME_MAX_LENGTH`` characters, the extension kept (a name in another
    alphabet, ``файл.pdf``, becomes ``file.pdf``, not ``pdf``)."""
    return _clean_filename(name, ascii_only=True)


def download_disposition(name: str) -> str:
    """The ``Content-Disposition`` of a download of ``name``: the name as sent
    (RFC 6266's ``filename*``, UTF-8) and, for clients that read only
    ``filename``, its ASCII form (``файл.pdf`` → ``file.pdf``)."""
    fallback = sanitize_filename(name)
    disposition = content_disposition_header(True, fallback)
    if name == fallback:
        return disposition
    return f"{disposition}; filename*=utf-8''{quote(name)}"


def display_filename(name: str) -> str:
    """The name a file is shown under: like :func:`sanitize_filename`, but
    letters and digits of every alphabet kept (``файл.pdf``, ``日本.txt``).
    Anything else — spaces, punctuation, symbols, control and direction
    characters — becomes an underscore."""
    return _clean_filename(name, ascii_only=False)


def _clean_filename(name: str, *, ascii_only: bool) -> str:
    name = unicodedata.normalize("NFC", re.split(r"[\\/]", name or "")[-1].strip())
    # Split before cleaning, so that a name whose letters all go keeps its
    # extension; like os.path.splitext, ".htaccess" has none.
    stem, ext = os.path.splitext(name)
    stem = _clean_part(stem, ascii_only).lstrip("._-")
    ext = _clean_part(ext[1:], ascii_only).strip("._-")
    if len(ext) > 10:
        stem, ext = f"{stem}.{ext}", ""
    stem = stem or "file"
    limit = max(conf.FILENAME_MAX_LENGTH, 16)
    if ext:
        return stem[: limit - len(ext) - 1] + "." + ext
    return stem[:limit]


def _clean_part(text: str, ascii_only: bool) -> str:
    if ascii_only:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        text = SAFE_NAME_CHARS.sub("_", text)
    else:
        text = "".join(
            char if unicodedata.category(char)[0] in "LMN" or char in "._-" else "_"
            for char in text
        )
    return re.sub(r"_+", "_", text)


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def sniff(head: bytes) -> str:
    """The file type from its first bytes: png, jpeg, gif, webp, pdf, zip, ole2,
    text or unknown. Zip-based office formats are told apart by ``zip_flavour``."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-"):
        return "pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if looks_like_text(head):
        return "text"
    return "unknown"


# Control characters that plain text does not contain; tab, line feed, form
# feed, carriage return, SUB (the DOS end of file) and ESC (colour codes) are
# common in logs.
_TEXT_CONTROLS = bytes(
    byte for byte in range(32) if byte not in {9, 10, 12, 13, 26, 27}
)
_NOT_CONTROLS = bytes(byte for byte in range(256) if byte not in _TEXT_CONTROLS)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_TEXT_CONTROL_CHARS = re.compile(
    "[" + "".join(re.escape(chr(byte)) for byte in _TEXT_CONTROLS) + "]"
)


def _controls_in(data: bytes) -> int:
    return len(data.translate(None, _NOT_CONTROLS))


def looks_like_text(head: bytes) -> bool:
    """Plain text in any common encoding: UTF-16 with a byte-order mark, or no
    NUL byte and (almost) no control characters. Log files written by Windows
    programs are often in a legacy 8-bit code page, so bytes above 127 are fine."""
    if head.startswith(_UTF16_BOMS):
        return True
    if not head:
        return True
    if b"\x00" in head:
        return False
    return _controls_in(head) <= len(head) // 100


def is_text_throughout(file: IO[bytes]) -> bool:
    """Whether ``file`` is plain text from its first byte to its last, not only
    in the part ``sniff`` reads: a binary file behind a plausible first page of
    text is not a log. One pass in chunks of ``TEXT_CHUNK_BYTES``; every whole
    chunk must look like text, and the file as a whole too (so a short last
    chunk is judged with the rest)."""
    file.seek(0)
    try:
        first = file.read(TEXT_CHUNK_BYTES)
        if first.startswith(_UTF16_BOMS):
            return _is_utf16_text(first, file)
        chunk, total, controls = first, 0, 0
        while chunk:
            if b"\x00" in chunk:
                return False
            found = _controls_in(chunk)
            if len(chunk) == TEXT_CHUNK_BYTES and found > len(chunk) // 100:
                return False
            total += len(chunk)
            controls += found
            chunk = file.read(TEXT_CHUNK_BYTES)
        return controls <= total // 100
    finally:
        file.seek(0)


def _is_utf16_text(first: bytes, file: IO[bytes]) -> bool:
    """UTF-16 (with its byte-order mark) that decodes to the end, without NUL or
    other control characters beyond a few."""
    decoder = codecs.getincrementaldecoder("utf-16")("strict")
    chunk, total, controls = first, 0, 0
    try:
        while chunk:
            text = decoder.decode(chunk)
            if "\x00" in text:
                return False
            found = len(_TEXT_CONTROL_CHARS.findall(text))
            if len(chunk) == TEXT_CHUNK_BYTES and found > len(text) // 100:
                return False
            total += len(text)
            controls += found
            chunk = file.read(TEXT_CHUNK_BYTES)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return controls <= total // 100


@dataclass
class CheckedFile:
    """What was learned about an accepted file: ``name`` is shown to users
    (any alphabet), ``stored_name`` is the ASCII name it is stored under."""

    name: str
    content_type: str
    size: int
    stored_name: str = ""

    def __post_init__(self):
        if not self.stored_name:
            self.stored_name = sanitize_filename(self.name)


def _read_head(file: IO[bytes]) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def _reject(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_zip(file: IO[bytes], display_name: str) -> str:
    """Check a zip's directory without extracting anything; return its flavour
    (``zip``, ``ooxml`` or ``odf``) or raise ValidationError."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _reject(
            _("%(name)s is not a readable zip archive.") % {"name": display_name},
            "bad_zip",
        ) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > conf.ZIP_MAX_ENTRIES:
            raise _reject(
                _("%(name)s contains too many files (more than %(limit)d).")
                % {"name": display_name, "limit": conf.ZIP_MAX_ENTRIES},
                "zip_entries",
            )
        total = 0
        for entry in entries:
            name = entry.filename.replace("\\", "/")
            if (
                name.startswith("/")
                or re.match(r"^[A-Za-z]:", name)
                or ".." in name.split("/")
            ):
                raise _reject(
                    _(
                        "%(name)s contains a file with an unsafe path "
                        "(%(entry)s): it could write outside its folder."
                    )
                    % {"name": display_name, "entry": entry.filename[:80]},
                    "zip_path",
                )
            if entry.flag_bits & 0x1:
                raise _reject(
                    _(
                        "%(name)s contains encrypted files: we cannot read them. "
                        "Please send the archive without a password."
                    )
                    % {"name": display_name},
                    "zip_encrypted",
                )
            total += entry.file_size
        file.seek(0, os.SEEK_END)
        limit = expansion_limit(file.tell())
        file.seek(0)
        if total > limit:
            raise _too_expanded(display_name, total)
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" in names:
            return "ooxml"
        if entries and entries[0].filename == "mimetype" and entries[0].file_size < 200:
            if archive.read("mimetype").startswith(
                b"application/vnd.oasis.opendocument"
            ):
                return "odf"
        # Office files may embed others (a workbook in a document); a bundle
        # of files must hold files, not more archives.
        _refuse_nested_archives(archive, entries, display_name, total, limit)
        return "zip"


def expansion_limit(compressed: int) -> int:
    """The most a zip of ``compressed`` bytes may expand to: never more than
    ``ZIP_MAX_UNCOMPRESSED``, and beyond ``ZIP_RATIO_FLOOR`` no more than
    ``ZIP_MAX_RATIO`` times its size."""
    return min(
        conf.ZIP_MAX_UNCOMPRESSED,
        max(ZIP_RATIO_FLOOR, max(compressed, 1) * conf.ZIP_MAX_RATIO),
    )


def _too_expanded(display_name: str, size: int) -> ValidationError:
    return _reject(
        _(
            "%(name)s would expand to %(size)s: that is not a plausible "
            "diagnostic bundle."
        )
        % {"name": display_name, "size": filesizeformat(size)},
        "zip_bomb",
    )


def _is_archive(head: bytes) -> bool:
    return bool(BZIP2_HEAD.match(head)) or any(
        head[offset : offset + len(magic)] == magic
        for offset, magic in ARCHIVE_SIGNATURES
    )


def _nested(display_name: str, entry: zipfile.ZipInfo) -> ValidationError:
    return _reject(
        _(
            "%(name)s contains another archive or compressed file "
            "(%(entry)s): please put its files in the zip directly, "
            "unpacked."
        )
        % {"name": display_name, "entry": entry.filename[:80]},
        "zip_nested",
    )


def _refuse_nested_archives(
    archive: zipfile.ZipFile, entries, display_name: str, total: int, limit: int
):
    """Raise ValidationError if a member of ``archive`` is itself an archive or
    a compressed stream, told by its first bytes (only those are decompressed).
    Refusing the first level refuses every deeper one.

    One exception: a gzip-compressed file named ``*.gz`` (a rotated log,
    ``app.log.1.gz``) is decompressed as a stream, never stored, and
    accepted when it holds no archive itself; its expanded size counts
    towards the bundle's ``limit`` in place of its compressed one (``total``:
    the members' sizes as the directory gives them)."""
    for entry in entries:
        if entry.is_dir():
            continue
        try:
            with archive.open(entry) as member:
                head = member.read(ARCHIVE_PEEK_BYTES)
            if head[:2] == GZIP_HEAD and entry.filename.lower().endswith(".gz"):
                room = limit - total + entry.file_size
                with archive.open(entry) as member:
                    expanded = _gunzipped_size(member, room, display_name, entry)
                total += expanded - entry.file_size
                continue
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as exc:
            raise _reject(
                _("%(name)s is not a readable zip archive.") % {"name": display_name},
                "bad_zip",
            ) from exc
        if _is_archive(head):
            raise _nested(display_name, entry)


def _gunzipped_size(
    member: IO[bytes], room: int, display_name: str, entry: zipfile.ZipInfo
) -> int:
    """Bytes the gzip stream ``member`` expands to, read in chunks and
    thrown away; ValidationError when it holds an archive, is damaged or
    cut short, or expands beyond ``room``. Concatenated gzip members
    (``cat a.gz b.gz``) are one file, trailing zero bytes are padding."""
    size = 0
    head = b""
    decompressor = zlib.decompressobj(GZIP_WBITS)
    data = b""
    while True:
        if not data:
            data = member.read(GZIP_CHUNK)
            if not data:
                break
        if decompressor.eof:
            if not data.strip(b"\0"):
                data = b""
                continue
            decompressor = zlib.decompressobj(GZIP_WBITS)
        try:
            output = decompressor.decompress(data, GZIP_CHUNK)
        except zlib.error as exc:
            raise _damaged(display_name, entry) from exc
        data = decompressor.unconsumed_tail
        if decompressor.eof:
            data = decompressor.unused_data
        size += len(output)
        if len(head) < ARCHIVE_PEEK_BYTES:
            head += output[: ARCHIVE_PEEK_BYTES - len(head)]
            if len(head) == ARCHIVE_PEEK_BYTES and _is_archive(head):
                raise _nested(display_name, entry)
        if size > room:
            raise _too_expanded(display_name, size)
    if not decompressor.eof:
        raise _damaged(display_name, entry)
    if _is_archive(head):
        raise _nested(display_name, entry)
    return size


def _damaged(display_name: str, entry: zipfile.ZipInfo) -> ValidationError:
    return _reject(
        _("%(name)s contains a damaged compressed file (%(entry)s).")
        % {"name": display_name, "entry": entry.filename[:80]},
        "zip_damaged",
    )


def check_upload(file, kind: str, display_name: str | None = None) -> CheckedFile:
    """Check one uploaded file for the attachment slot ``kind``; return what was
    learned, or raise ValidationError with a message for the user."""
    from .uploads import RejectedUpload

    name = display_filename(file.name or "")
    shown = display_name or name
    if isinstance(file, RejectedUpload):
        if file.reason == "case_too_large":
            raise _reject(
                _(
                    "%(name)s was not accepted: all the files of a case together "
                    "may not exceed %(limit)s."
                )
                % {"name": shown, "limit": filesizeformat(conf.MAX_CASE_SIZE)},
                "case_too_large",
            )
        raise _reject(
            _("%(name)s is too large: the limit is %(limit)s per file.")
            % {"name": shown, "limit": filesizeformat(conf.MAX_FILE_SIZE)},
            "file_too_large",
        )
    allowed = conf.ALLOWED_EXTENSIONS.get(kind, [])
    extension = extension_of(name)
    if extension not in allowed or extension not in EXTENSION_TYPES:
        raise _reject(
            _("%(name)s: this kind of file cannot be attached here. Allowed: %(ext)s.")
            % {"name": shown, "ext": ", ".join(f".{ext}" for ext in allowed)},
            "extension",
        )
    size = file.size or 0
    if size > conf.MAX_FILE_SIZE:
        raise _reject(
            _("%(name)s is too large: the limit is %(limit)s per file.")
            % {"name": shown, "limit": filesizeformat(conf.MAX_FILE_SIZE)},
            "file_too_large",
        )
    if size == 0:
        raise _reject(_("%(name)s is empty.") % {"name": shown}, "empty")
    expected, content_type = EXTENSION_TYPES[extension]
    found = sniff(_read_head(file))
    if found == "zip":
        found = check_zip(file, shown)
        # A plain zip is acceptable only where a zip is expected.
    elif found == "text" and not is_text_throughout(file):
        found = "binary"
    if found != expected:
        raise _reject(
            _(
                "%(name)s does not contain what its extension says: it is not "
                "a %(type)s file."
            )
            % {"name": shown, "type": TYPE_LABELS.get(expected, expected)},
            "content_mismatch",
        )
    return CheckedFile(
        name=name,
        content_type=content_type,
        size=size,
        stored_name=sanitize_filename(name),
    )


def file_sha256(file) -> str:
    """The SHA-256 of a file, read in chunks (the upload handler usually
    computed it already while the file arrived)."""
    digest = getattr(file, "sha256", None)
    if digest:
        return digest
    hasher = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(64 * 1024):
        hasher.update(chunk)
    file.seek(0)
    return hasher.hexdigest()


def store_file(file, folder: str, name: str) -> str:
    """Save ``file`` in private storage under ``folder``; return the stored name.
    A temporary upload is moved, not copied."""
    storage = private_storage()
    target = f"{folder}/{uuid.uuid4().hex[:12]}-{name}"
    file.seek(0)
    return storage.save(target, file if isinstance(file, File) else File(file))


def move_stored_file(stored_name: str, folder: str, name: str) -> str:
    """Move a file already in private storage to ``folder`` (a kept upload
    becoming a case attachment)."""
    storage = private_storage()
    target = storage.get_available_name(f"{folder}/{uuid.uuid4().hex[:12]}-{name}")
    source_path = storage.path(stored_name)
    target_path = storage.path(target)
    os.makedirs(os.path.dirname(target_path), exist_ok=True)
    os.replace(source_path, target_path)
    return target


def delete_stored_file(stored_name: str) -> None:
    if stored_name:
        private_storage().delete(stored_name)
