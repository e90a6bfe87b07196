r"""Deflection settings, each overridable in Django settings as
``DEFLECTION_<NAME>``.

Suggestions
    ``SUGGESTIONS``: articles offered at the first step of "New case" (5).
    ``NEWS``: Rassegna Info items offered beside them (3).
    ``MIN_QUERY_LENGTH``: characters typed before the portal searches (3).
    ``EMBED_WORDS``: content words of a description the semantic search reads
    (8; 0: all). The step re-ranks by every word of the description anyway,
    and the model's time grows with each word (bench/README.md, "Deflection").
    ``REMOTE_SUGGESTIONS`` is not here: the remote assistance page asks for
    ``REMOTE_SUGGESTED_ARTICLES`` (remote/conf.py).

Error logs
    ``LOG_LINE_PATTERN``: the regular expression one line of an error log must
    match to count as an error. Named groups: ``code`` (required: the error code
    an article lists, e.g. ``SIS-1042``) and ``message`` (optional: the text
    after it). The default reads the demo vendor's ``SISERR.LOG`` lines::

        2026-03-02 10:15:22 ERROR SIS-1042 Archivio bloccato da un altro utente

    i.e. an optional date and time, an optional level word (ERROR, ERRORE,
    WARN, FATAL, …) and then a code made of 2–5 capital letters, a hyphen and
    3–5 digits. Lines that do not match are skipped, so a log in another
    format simply yields no codes.
    ``LOG_PARSER``: dotted path of the parser class
    (``deflection.logs.PatternLogParser``); replace it for a vendor format a
    single pattern cannot describe.
    ``LOG_MAX_BYTES``: bytes of a log that are read (2 MB); the rest is ignored.
    The newest lines of a log are at its end, so the parser reads the last
    ``LOG_MAX_BYTES`` of a larger file.
    ``LOG_MAX_LINE_LENGTH``: characters of one line that are examined (1,000).
    ``LOG_MAX_CODES``: distinct codes kept, most frequent first (20).
    ``TEXT_CODE_PATTERN``: how an error code looks when a customer types it in
    the description (``[A-Z]{2,5}-\d{3,5}``, any case): such codes are matched
    against the articles' error codes like the codes of a log.

Flow
    ``RATE``: (requests, seconds) per user (anonymous visitors: per client
    address) for the JSON API and the first step's "Show suggestions" (120 per
    minute).
    ``ADDRESS_RATE``: (requests, seconds) per client address for the JSON API,
    whoever is logged in: the users of one office share it (600 per minute).

Read on every access, so that a changed setting (e.g. in a test) takes effect.
"""

from typing import Any

from django.conf import settings

DEFAULT_LOG_LINE_PATTERN = (
    r"^\s*(?:\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s+)?"
    r"(?:\[?(?:ERROR|ERRORE|ERR|FATAL|CRITICAL|WARN|WARNING|AVVISO|VIRHE)\]?\s+)?"
    r"(?P<code>[A-Z]{2,5}-\d{3,5})\b[\s:.\-]*(?P<message>.*)$"
)

DEFAULTS: dict[str, Any] = {
    "SUGGESTIONS": 5,
    "NEWS": 3,
    "MIN_QUERY_LENGTH": 3,
    "EMBED_WORDS": 8,
    "LOG_LINE_PATTERN": DEFAULT_LOG_LINE_PATTERN,
    "LOG_PARSER": "deflection.logs.PatternLogParser",
    "LOG_MAX_BYTES": 2 * 1024 * 1024,
    "LOG_MAX_LINE_LENGTH": 1000,
    "LOG_MAX_CODES": 20,
    "TEXT_CODE_PATTERN": r"\b[A-Za-z]{2,5}-\d{3,5}\b",
    "RATE": (120, 60),
    "ADDRESS_RATE": (600, 60),
}


def __getattr__(name: str) -> Any:
    if name in DEFAULTS:
        return getattr(settings, f"DEFLECTION_{name}", DEFAULTS[name])
    raise AttributeError(name)
