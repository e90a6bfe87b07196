"""One-time session codes: nine random digits, read aloud in groups of three
("482 019 337"). Only an HMAC of a code (keyed with SECRET_KEY) is stored."""

import re
import secrets

from django.utils.crypto import salted_hmac

CODE_DIGITS = 9
_NOT_DIGITS = re.compile(r"[\s.\-_/]")


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str) -> str:
    return salted_hmac("remote.session-code", code, algorithm="sha256").hexdigest()


def format_code(code: str) -> str:
    """``482019337`` → ``482 019 337``."""
    return " ".join(code[i : i + 3] for i in range(0, len(code), 3))


def normalise_code(typed: str) -> str | None:
    """What a person typed (spaces, dashes allowed) as nine digits, or None."""
    compact = _NOT_DIGITS.sub("", typed or "")
    if len(compact) == CODE_DIGITS and compact.isascii() and compact.isdigit():
        return compact
    return None
