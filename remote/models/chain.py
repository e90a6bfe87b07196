"""The hash chain over authorisations: each row stores the SHA-256 of its own
fields together with the hash of the authorisation before it, so that a row
changed or removed behind the application's back (with the database triggers
dropped) breaks the chain where it happened (``manage.py verify_consents``).

The canonical form below is frozen: every stored hash was computed with it. A
change needs a new ``CHAIN_FORMAT`` and code that still reads the old one."""

import hashlib
import ipaddress
import json
from datetime import UTC

# The "previous hash" of the first authorisation.
GENESIS_HASH = "0" * 64
CHAIN_FORMAT = 1


def _ip(value: str | None) -> str | None:
    # Django stores IPv4-mapped IPv6 addresses in its own spelling: hash one form.
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return str(value)


def canonical_authorisation(authorisation, previous_hash: str) -> str:
    """The text an authorisation's hash is computed on: its fields (ids for
    foreign keys, the time in UTC to the microsecond) and the previous hash, as
    JSON with sorted keys. Works on historical models in migrations too."""
    created_at = authorisation.created_at.astimezone(UTC)
    payload = {
        "format": CHAIN_FORMAT,
        "previous_hash": previous_hash,
        "public_id": str(authorisation.public_id),
        "consent_version": authorisation.consent_version_id,
        "language": authorisation.language,
        "consent_sha256": authorisation.consent_sha256,
        "accepted_clauses": sorted(int(n) for n in authorisation.accepted_clauses),
        "company_name": authorisation.company_name,
        "operator_name": authorisation.operator_name,
        "email": authorisation.email,
        "customer_code": authorisation.customer_code,
        "installation_code": authorisation.installation_code,
        "customer": authorisation.customer_id,
        "case": authorisation.case_id,
        "user": authorisation.user_id,
        "ip_address": _ip(authorisation.ip_address),
        "user_agent": authorisation.user_agent,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def authorisation_hash(authorisation, previous_hash: str) -> str:
    """SHA-256 (hex) of ``canonical_authorisation``."""
    text = canonical_authorisation(authorisation, previous_hash)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
