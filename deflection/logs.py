"""Reading error logs (the demo vendor's ``SISERR.LOG`` and alike) for the error
codes they report.

A log comes from a customer: it may be empty, huge, binary, or written in any
encoding. The parser reads it in chunks, never more than
``DEFLECTION_LOG_MAX_BYTES`` of it (the end of a larger file, where the newest
lines are), examines at most ``DEFLECTION_LOG_MAX_LINE_LENGTH`` characters of a
line, and answers with what it found — possibly nothing — instead of raising.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import IO

from django.utils.module_loading import import_string

from . import conf

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class LogEntry:
    """One error code found in a log, how often, and its first message."""

    code: str
    message: str
    count: int


@dataclass(frozen=True)
class LogReport:
    """What a parser found. ``binary`` is true when the file did not look like
    text at all; ``truncated`` when only its last part was read."""

    entries: tuple[LogEntry, ...] = ()
    lines_read: int = 0
    truncated: bool = False
    binary: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def codes(self) -> list[str]:
        return [entry.code for entry in self.entries]


class PatternLogParser:
    """Finds error codes with one regular expression per line
    (``DEFLECTION_LOG_LINE_PATTERN``, named groups ``code`` and ``message``).

    Override :meth:`match_line` for a format a pattern cannot describe, and
    :meth:`decode_line` for an encoding the defaults miss.
    """

    def __init__(
        self,
        pattern: str | None = None,
        *,
        max_bytes: int | None = None,
        max_line_length: int | None = None,
        max_codes: int | None = None,
    ) -> None:
        self.pattern = re.compile(pattern or conf.LOG_LINE_PATTERN)
        if "code" not in self.pattern.groupindex:
            raise ValueError("The log line pattern needs a named group 'code'.")
        self.max_bytes = max_bytes or conf.LOG_MAX_BYTES
        self.max_line_length = max_line_length or conf.LOG_MAX_LINE_LENGTH
        self.max_codes = max_codes or conf.LOG_MAX_CODES

    # -- overridable steps ------------------------------------------------------

    def decode_line(self, raw: bytes) -> str:
        """One line's text: UTF-8 when it is, else Windows-1252 (what Italian
        Windows programs write), never an error."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")

    def match_line(self, line: str) -> tuple[str, str] | None:
        """``(code, message)`` when ``line`` reports an error, else None."""
        match = self.pattern.search(line)
        if match is None or not match.group("code"):
            return None
        message = ""
        if "message" in self.pattern.groupindex:
            message = (match.group("message") or "").strip()
        return match.group("code").upper(), message[:200]

    # -- reading ----------------------------------------------------------------

    def parse(self, file: IO[bytes] | bytes) -> LogReport:
        """The codes in ``file`` (an open binary file, an uploaded file, or
        bytes), most frequent first."""
        if isinstance(file, bytes | bytearray):
            import io

            file = io.BytesIO(bytes(file))
        try:
            return self._parse(file)
        except (OSError, ValueError) as error:
            logger.warning("could not read an error log: %s", error)
            return LogReport(notes=("unreadable",))

    def _parse(self, file: IO[bytes]) -> LogReport:
        truncated = self._seek_to_tail(file)
        head = file.read(CHUNK_SIZE) or b""
        if not head:
            return LogReport(truncated=truncated)
        if head.startswith(UTF16_BOMS):
            lines = self._utf16_lines(file, head)
        elif self._looks_binary(head):
            return LogReport(truncated=truncated, binary=True)
        else:
            lines = self._byte_lines(file, head, skip_partial=truncated)
        counts: Counter[str] = Counter()
        messages: dict[str, str] = {}
        read = 0
        match_line, width = self.match_line, self.max_line_length
        for line in lines:
            read += 1
            found = match_line(line[:width])
            if found is None:
                continue
            code, message = found
            counts[code] += 1
            messages.setdefault(code, message)
        # most_common keeps first-seen order among equal counts.
        entries = tuple(
            LogEntry(code, messages[code], count)
            for code, count in counts.most_common(self.max_codes)
        )
        return LogReport(entries=entries, lines_read=read, truncated=truncated)

    def _seek_to_tail(self, file: IO[bytes]) -> bool:
        """Position ``file`` at its last ``max_bytes``; True if that skipped
        something. Unseekable streams are read from the start, still bounded."""
        try:
            size = file.seek(0, 2)
        except (AttributeError, OSError, ValueError):
            self._budget = self.max_bytes
            return False
        start = max(0, size - self.max_bytes)
        file.seek(start)
        self._budget = self.max_bytes
        return start > 0

    @staticmethod
    def _looks_binary(head: bytes) -> bool:
        if b"\x00" in head[:8192]:
            return True
        sample = head[:8192]
        controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
        return controls > len(sample) // 10

    def _chunks(self, file: IO[bytes], head: bytes):
        budget = self._budget - len(head)
        yield head
        while budget > 0:
            chunk = file.read(min(CHUNK_SIZE, budget))
            if not chunk:
                return
            budget -= len(chunk)
            yield chunk

    def _byte_lines(self, file: IO[bytes], head: bytes, skip_partial: bool):
        # A line longer than this many bytes is cut: what follows up to the
        # next newline is dropped, so a newline-free blob cannot fill memory.
        # Each chunk is split once and its whole lines cut and decoded in one
        # go (a 200 KB log has thousands of lines; the pattern's search on
        # each stays most of the time a log takes).
        limit = self.max_line_length * 4
        decode = self.decode_line
        pending = b""
        first = skip_partial
        for chunk in self._chunks(file, head):
            parts = chunk.split(b"\n")
            if len(parts) == 1:
                pending = (pending + chunk)[:limit]
                continue
            parts[0] = pending + parts[0]
            pending = parts.pop()[:limit]
            if first:
                first = False  # the tail began in the middle of a line
                del parts[0]
            yield from map(decode, [part[:limit].rstrip(b"\r") for part in parts])
        if pending and not first:
            yield decode(pending.rstrip(b"\r"))

    def _utf16_lines(self, file: IO[bytes], head: bytes):
        encoding = "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        limit = self.max_line_length * 2
        pending = ""
        for number, chunk in enumerate(self._chunks(file, head)):
            text = decoder.decode(chunk[2:] if number == 0 else chunk)
            parts = text.split("\n")
            for part in parts[:-1]:
                yield (pending + part)[:limit].rstrip("\r")
                pending = ""
            pending = (pending + parts[-1])[:limit]
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending.rstrip("\r")


def get_log_parser() -> PatternLogParser:
    """The parser ``DEFLECTION_LOG_PARSER`` names, built with the settings."""
    return import_string(conf.LOG_PARSER)()


def parse_error_log(file: IO[bytes] | bytes) -> LogReport:
    """The error codes in an uploaded log, by the configured parser."""
    return get_log_parser().parse(file)


def codes_in_text(text: str) -> list[str]:
    """Error codes a customer typed in a description (``sis-1042`` counts)."""
    pattern = re.compile(conf.TEXT_CODE_PATTERN)
    return list(dict.fromkeys(code.upper() for code in pattern.findall(text or "")))
