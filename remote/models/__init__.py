"""Remote assistance (ARS): the clauses as content, the immutable records of
authorisations and revocations, sessions with their events, and the tools."""

from .append_only import AppendOnlyModel, AppendOnlyQuerySet, ImmutableRecordError
from .authorisation import (
    Authorisation,
    AuthorisationQuerySet,
    ChainHead,
    Revocation,
)
from .chain import GENESIS_HASH, authorisation_hash, canonical_authorisation
from .consent import (
    CLAUSE_COUNT,
    CLAUSE_FIELDS,
    ConsentText,
    ConsentVersion,
    ConsentVersionQuerySet,
    canonical_consent_text,
    consent_sha256,
)
from .session import (
    Access,
    ActorRole,
    CloseReason,
    Consent,
    EventKind,
    RemoteSession,
    SessionEvent,
    SessionStatus,
)
from .tools import OperatingSystem, RemoteTool

__all__ = [
    "CLAUSE_COUNT",
    "CLAUSE_FIELDS",
    "GENESIS_HASH",
    "Access",
    "ActorRole",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Authorisation",
    "AuthorisationQuerySet",
    "ChainHead",
    "CloseReason",
    "Consent",
    "ConsentText",
    "ConsentVersion",
    "ConsentVersionQuerySet",
    "EventKind",
    "ImmutableRecordError",
    "OperatingSystem",
    "RemoteSession",
    "RemoteTool",
    "Revocation",
    "SessionEvent",
    "SessionStatus",
    "authorisation_hash",
    "canonical_authorisation",
    "canonical_consent_text",
    "consent_sha256",
]
