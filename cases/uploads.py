"""Upload handling for the case form and the API: every file streams to a
temporary file on disk, hashed as it arrives, and a file over the limits stops
being written at once, so memory and disk use stay bounded whatever is sent."""

import hashlib
import io
import logging
import os
import re
import tempfile
import time
from functools import wraps

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from . import conf

logger = logging.getLogger(__name__)

# Our temporary uploads are named so that a sweep can tell them from other
# programs' files in a shared temporary directory.
TEMP_UPLOAD_PREFIX = "sportello-upload-"
# A file of a request still arriving was written to moments ago; one untouched
# for this long belongs to a process that died (a temporary upload is removed
# when its request ends).
TEMP_UPLOAD_MAX_AGE = 3600


class RejectedUpload(UploadedFile):
    """Stands in for a file that went over a size limit; its content was
    discarded. ``reason`` is ``"file_too_large"`` or ``"case_too_large"``."""

    def __init__(self, name: str, size: int, reason: str, content_type: str = ""):
        super().__init__(
            io.BytesIO(b""), name=name, content_type=content_type, size=size
        )
        self.reason = reason


class NamedTemporaryUploadedFile(TemporaryUploadedFile):
    """Django's temporary upload, named ``sportello-upload-….upload`` in
    ``FILE_UPLOAD_TEMP_DIR`` (the system's temporary directory by default).
    The extension the client sent is left out: it is only a hint, and an odd
    name must not decide the name of a file on disk."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(
            prefix=TEMP_UPLOAD_PREFIX,
            suffix=".upload",
            dir=settings.FILE_UPLOAD_TEMP_DIR,
        )
        UploadedFile.__init__(
            self, file, name, content_type, size, charset, content_type_extra
        )


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler with per-file and per-request caps and a
    SHA-256 computed while the data arrives (``uploaded_file.sha256``)."""

    def __init__(self, request=None, max_file_size=None, max_total_size=None):
        super().__init__(request)
        self.max_file_size = max_file_size or conf.MAX_FILE_SIZE
        self.max_total_size = max_total_size or conf.MAX_CASE_SIZE
        self.total = 0

    def new_file(self, *args, **kwargs):
        # The base handler's bookkeeping, then our named temporary file in
        # place of TemporaryFileUploadHandler's anonymous one.
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = NamedTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
        self.received = 0
        self.digest = hashlib.sha256()
        self.reason = None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.reason is None:
            if self.received > self.max_file_size:
                self.reason = "file_too_large"
            elif self.total > self.max_total_size:
                self.reason = "case_too_large"
            if self.reason is not None:
                self.file.close()  # deletes the temporary file
        if self.reason is None:
            self.file.write(raw_data)
            self.digest.update(raw_data)
        return None

    def file_complete(self, file_size):
        if self.reason is not None:
            return RejectedUpload(
                self.file_name, self.received, self.reason, self.content_type
            )
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded


def streamed_uploads(view):
    """Decorate a view that receives files: install the capped handler before
    anything reads ``request.POST``, then check CSRF as usual (Django's
    documented csrf_exempt + csrf_protect pattern; CsrfViewMiddleware would
    otherwise parse the body with the default handlers first)."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [CappedTemporaryFileUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def token_uploads(view):
    """For the token-authenticated API (no cookies, so no CSRF): the capped
    handler only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [CappedTemporaryFileUploadHandler(request)]
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


# Reading multipart bodies strictly ---------------------------------------------------


class UnreadableFileName(MultiPartParserError):
    """A file part of a multipart body has a name that cannot be read (not
    UTF-8, an unknown RFC 2231 charset, or nothing left once cleaned). Django's
    parser drops such a part without a word; a client must be told instead."""

    def __init__(self, field: str):
        super().__init__(f"unreadable file name in field {field!r}")
        self.field = field


# Django's own bound on a part's headers (multipartparser.MAX_TOTAL_HEADER_SIZE).
_MAX_PART_HEADERS = 10 * 1024
_FIELD_NAME = re.compile(rb'[;\s]name="([^"]*)"', re.IGNORECASE)


class _PartHeaderTap:
    """A file-like view of a multipart body that passes every byte on unchanged
    and keeps the header block of each part as it streams past (the body is
    never held: only a part's headers and a delimiter's length of tail)."""

    def __init__(self, stream, boundary: bytes):
        self._stream = stream
        self._delimiter = b"--" + boundary
        self._pending = b""
        self.blocks: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._scan(data)
        return data

    def _scan(self, data: bytes) -> None:
        buffer = self._pending + data
        position = 0
        while True:
            start = buffer.find(self._delimiter, position)
            if start < 0:
                self._pending = buffer[-(len(self._delimiter) - 1) :]
                return
            headers = start + len(self._delimiter)
            end = buffer.find(b"\r\n\r\n", headers)
            if end < 0:
                if len(buffer) - headers > _MAX_PART_HEADERS:
                    position = headers  # Django refuses this body itself
                    continue
                self._pending = buffer[start:]
                return
            self.blocks.append(buffer[headers:end])
            position = end + 4


def _check_file_names(blocks: list[bytes], parser: MultiPartParser) -> None:
    """Raise UnreadableFileName for the first part whose file name Django's
    parser would have dropped (or garbled) instead of reading it."""
    for block in blocks:
        for line in block.split(b"\r\n"):
            if not line.lower().startswith(b"content-disposition:"):
                continue
            if b"filename" not in line.lower():
                continue
            found = _FIELD_NAME.search(line)
            field = found.group(1).decode("utf-8", "replace")[:60] if found else ""
            try:
                _value, params = parse_header_parameters(line.decode())
            except ValueError as exc:  # not UTF-8, or an unknown charset
                raise UnreadableFileName(field) from exc
            name = params.get("filename")
            if not name:
                continue  # no file chosen (browsers send filename="")
            if "\ufffd" in name or not parser.sanitize_file_name(name):
                raise UnreadableFileName(field)


def read_form_data(request) -> tuple[QueryDict, MultiValueDict]:
    """``request.POST`` and ``request.FILES``, parsed by Django with the
    request's upload handlers, except that a multipart file part whose name
    cannot be read raises :class:`UnreadableFileName` (its files are
    discarded) rather than vanish. A body that is not multipart, or one read
    already, is Django's to parse as usual."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/") or "_files" in request.__dict__:
        return request.POST, request.FILES
    try:
        _value, options = parse_header_parameters(content_type)
    except ValueError as exc:
        raise MultiPartParserError("Invalid Content-Type") from exc
    boundary = options.get("boundary") or ""
    tap = _PartHeaderTap(request, boundary.encode("ascii", "replace"))
    # Raises MultiPartParserError without a valid boundary, as Django would.
    parser = MultiPartParser(
        request.META, tap, request.upload_handlers, request.encoding
    )
    post, files = parser.parse()
    # As HttpRequest._load_post_and_files would: later reads see this parse.
    request.POST = post
    request._files = files
    try:
        _check_file_names(tap.blocks, parser)
    except UnreadableFileName:
        for _field, uploads in files.lists():
            for uploaded in uploads:
                uploaded.close()  # a temporary upload is deleted on close
        raise
    return post, files


def purge_stale_temporary_uploads(
    max_age: int = TEMP_UPLOAD_MAX_AGE, *, dry_run: bool = False
) -> int:
    """Remove the temporary uploads of our handler older than ``max_age``
    seconds (a process killed during a request leaves its uploads behind);
    return how many there were. Other programs' files are left alone."""
    directory = settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()
    cutoff = time.time() - max_age
    removed = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if not entry.name.startswith(TEMP_UPLOAD_PREFIX):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                    continue
                if not dry_run:
                    os.remove(entry.path)
            except FileNotFoundError:
                continue  # its request ended meanwhile
            removed += 1
    if removed and not dry_run:
        logger.info("removed %d stale temporary upload(s) from %s", removed, directory)
    return removed
