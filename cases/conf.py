"""Cases settings, each overridable in Django settings as ``CASES_<NAME>``.

Attachments
    ``MAX_FILE_SIZE``: bytes per file (25 MB). Larger files are refused while
    they arrive: what is over the limit is never written to disk.
    ``MAX_CASE_SIZE``: bytes of all the files of one submission together (100 MB).
    ``MAX_FILES``: files per submission (20).
    ``ALLOWED_EXTENSIONS``: per attachment slot (``error_log``, ``diagnostic``,
    ``other``), the extensions accepted; the content must match the extension.
    ``ZIP_MAX_UNCOMPRESSED``: bytes a zip may expand to (1 GB).
    ``ZIP_MAX_RATIO``: the largest uncompressed/compressed ratio for a zip that
    expands beyond 10 MB (100; zip bombs reach thousands).
    ``ZIP_MAX_ENTRIES``: entries in one zip (10,000).
    The three are read from the zip's directory; nothing is extracted. A zip
    attached as a bundle (not an office file) may not hold another archive or
    compressed file (told by its first bytes), so no limit is dodged by
    nesting; except a gzip-compressed file named ``*.gz`` (a rotated log),
    which is expanded as a stream (never stored), may hold no archive itself,
    and counts towards the limits with its expanded size.
    ``FILENAME_MAX_LENGTH``: characters kept of a file name (120).
    ``PENDING_UPLOAD_HOURS``: how long files kept from a form that failed
    validation wait for the user to submit again (24).

Work
    ``ASSIGNMENT_POLICY``: dotted path of the assignment policy class
    (``cases.assignment.DefaultAssignmentPolicy``: the chosen dealer, else the
    reference partner, else routing rules, else the default queue).
    ``SLA_DEFAULT_HOURS``: hours to the due date per urgency when the SLA table
    (Wagtail admin › Cases › SLA) has no row for it.
    ``PARTNER_LANGUAGE``: language of the e-mail sent to partners ("it").
    ``BASE_URL``: the portal's address used in e-mail links (default:
    ``WAGTAILADMIN_BASE_URL``).
    ``FIRST_STEP``: URL name of a step every new case starts with (the
    project sets ``"deflection:start"``: describe the problem, read the
    suggested articles). Opening the form sends the customer there first, carrying the
    query string, until the step calls
    ``cases.services.hand_over_to_case_form`` (with the values to prefill the
    form with). Empty:
    the form opens directly.
    ``LOG_CHECK``: dotted path of a function ``(request, file, product_line)``
    that reads an error log chosen in the form and returns ``{"codes",
    "binary", "articles": [{"title", "open_url", "summary",
    "matched_codes"}]}``: the form's "Check my log for known solutions"
    button shows those articles before the case is sent (the project sets
    ``"deflection.case_form.check_case_form_log"``). Empty: no button.
    ``LOG_CHECK_URL``: URL name of a JSON endpoint the form's script sends a
    chosen log to, for the same answer without a page load (the project sets
    ``"deflection_api:log"``). Empty: the button submits the form.
    All three are empty here: cases names no other app (portal's settings
    wire them).

Rate limits, as (attempts, seconds)
    ``CREATE_RATE``: case submissions per user, or per API token (20 per hour).
    ``API_RATE``: API requests per token (300 per 5 minutes).

SMS (settings without the ``CASES_`` prefix, shared with other apps)
    ``SMS_BACKEND``: "logging" (default), "http", or a dotted path.
    ``SMS_GATEWAY_URL``, ``SMS_GATEWAY_TOKEN``, ``SMS_GATEWAY_TIMEOUT`` (5 s),
    ``SMS_SENDER`` ("Sportello"): the HTTP gateway backend's configuration.

Read on every access (not once at import), so that a changed setting, e.g. in a
test, takes effect.
"""

from typing import Any

from django.conf import settings

MB = 1024 * 1024

DEFAULTS: dict[str, Any] = {
    "MAX_FILE_SIZE": 25 * MB,
    "MAX_CASE_SIZE": 100 * MB,
    "MAX_FILES": 20,
    "ALLOWED_EXTENSIONS": {
        "error_log": ["log", "txt"],
        "diagnostic": ["zip"],
        "other": [
            "png",
            "jpg",
            "jpeg",
            "gif",
            "webp",
            "pdf",
            "txt",
            "log",
            "csv",
            "zip",
            "docx",
            "xlsx",
            "pptx",
            "odt",
            "ods",
            "odp",
            "doc",
            "xls",
            "ppt",
        ],
    },
    "ZIP_MAX_UNCOMPRESSED": 1024 * MB,
    "ZIP_MAX_RATIO": 100,
    "ZIP_MAX_ENTRIES": 10_000,
    "FILENAME_MAX_LENGTH": 120,
    "PENDING_UPLOAD_HOURS": 24,
    "ASSIGNMENT_POLICY": "cases.assignment.DefaultAssignmentPolicy",
    "SLA_DEFAULT_HOURS": {"low": 120, "normal": 48, "high": 16, "blocking": 4},
    "PARTNER_LANGUAGE": "it",
    "BASE_URL": None,
    "FIRST_STEP": "",
    "LOG_CHECK": "",
    "LOG_CHECK_URL": "",
    "CREATE_RATE": (20, 3600),
    "API_RATE": (300, 300),
}


def __getattr__(name: str) -> Any:
    if name in DEFAULTS:
        return getattr(settings, f"CASES_{name}", DEFAULTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def base_url() -> str:
    """The portal's address for links in e-mail, without a trailing slash."""
    configured = getattr(settings, "CASES_BASE_URL", None)
    return (configured or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
