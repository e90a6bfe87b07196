"""Remote sessions: the one-time code, opening by a partner, the handshake
(view the desktop, then keyboard and mouse) and closing. Each change is one
transaction on the locked session row and writes a ``SessionEvent``."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf
from ..models import (
    Access,
    ActorRole,
    Authorisation,
    CloseReason,
    Consent,
    EventKind,
    RemoteSession,
    SessionEvent,
    SessionStatus,
)
from ..permissions import can_open_session
from .codes import generate_code, hash_code, normalise_code

logger = logging.getLogger(__name__)

_TOKEN_SALT = "remote.customer-session"  # noqa: S105 - a namespace, not a secret


class SessionActionNotAllowed(Exception):
    """The session is not in a state that allows this; the message says why."""


class InvalidSessionCode(Exception):
    """The one refusal for a code: unknown, used, expired, or not yours."""


@dataclass(frozen=True)
class Actor:
    user: object | None
    role: str
    name: str


def customer_actor(user, authorisation: Authorisation) -> Actor:
    """The customer's side: a logged-in user, or the anonymous authoriser known
    by the operator name they typed."""
    if user is not None and user.is_authenticated:
        return Actor(user, ActorRole.CUSTOMER, user.get_full_name() or user.username)
    return Actor(None, ActorRole.CUSTOMER, authorisation.operator_name)


def partner_actor(user) -> Actor:
    name = user.get_full_name() or user.username
    if user.partner_id:
        return Actor(user, ActorRole.PARTNER, f"{name} ({user.partner.name})")
    return Actor(user, ActorRole.STAFF, name)


def customer_token(session: RemoteSession) -> str:
    """The signed, unguessable token in the customer's session page address."""
    return signing.Signer(salt=_TOKEN_SALT).sign(str(session.public_id))


def session_from_token(token: str) -> RemoteSession | None:
    try:
        public_id = signing.Signer(salt=_TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        RemoteSession.objects.select_related(
            "authorisation__customer", "authorisation__case", "opened_by__partner"
        )
        .filter(public_id=public_id)
        .first()
    )


def _record(session: RemoteSession, kind: str, actor: Actor) -> SessionEvent:
    return SessionEvent.objects.create(
        session=session,
        kind=kind,
        actor=actor.user if actor.user is not None else None,
        actor_role=actor.role,
        actor_name=actor.name[:200],
    )


def _new_code_for(now) -> tuple[str, str]:
    """A code no other waiting session holds (collisions are one in a billion,
    but two live sessions must never share a code)."""
    for _attempt in range(10):
        code = generate_code()
        digest = hash_code(code)
        taken = RemoteSession.objects.filter(
            code_hash=digest, status=SessionStatus.WAITING, code_expires_at__gt=now
        ).exists()
        if not taken:
            return code, digest
    raise RuntimeError("could not draw a free session code")


def start_session(
    authorisation: Authorisation, actor: Actor
) -> tuple[RemoteSession, str]:
    """Create the session of a new authorisation with a fresh code; return the
    session and the code (shown once: only its HMAC is kept)."""
    now = timezone.now()
    code, digest = _new_code_for(now)
    session = RemoteSession.objects.create(
        authorisation=authorisation,
        code_hash=digest,
        code_issued_at=now,
        code_expires_at=now + timedelta(minutes=conf.CODE_VALID_MINUTES),
        created_at=now,
    )
    _record(session, EventKind.AUTHORISED, actor)
    return session, code


def _locked(session: RemoteSession) -> RemoteSession:
    return RemoteSession.objects.select_for_update().get(pk=session.pk)


def renew_session_code(session: RemoteSession, actor: Actor) -> str:
    """Replace the code of a session nobody has opened yet; the old code stops
    working at once. Returns the new code."""
    with transaction.atomic():
        locked = _locked(session)
        if locked.status != SessionStatus.WAITING:
            raise SessionActionNotAllowed(
                _("The session is already open or closed: no new code is needed.")
            )
        now = timezone.now()
        code, digest = _new_code_for(now)
        locked.code_hash = digest
        locked.code_issued_at = now
        locked.code_expires_at = now + timedelta(minutes=conf.CODE_VALID_MINUTES)
        locked.save(update_fields=["code_hash", "code_issued_at", "code_expires_at"])
        _record(locked, EventKind.CODE_ISSUED, actor)
    return code


def open_session_with_code(typed_code: str, user) -> RemoteSession:
    """Open the waiting session whose valid code ``typed_code`` is, for
    ``user`` (a partner who may open it, or staff). Raises InvalidSessionCode
    for every kind of failure alike, so that nothing tells whether a code
    exists."""
    code = normalise_code(typed_code)
    if code is None:
        raise InvalidSessionCode
    now = timezone.now()
    with transaction.atomic():
        session = (
            RemoteSession.objects.select_for_update()
            .filter(
                code_hash=hash_code(code),
                status=SessionStatus.WAITING,
                code_expires_at__gt=now,
            )
            .first()
        )
        if (
            session is None
            or session.authorisation.is_revoked
            or not can_open_session(user, session)
        ):
            raise InvalidSessionCode
        session.status = SessionStatus.OPEN
        session.opened_by = user
        session.opened_at = now
        session.save(update_fields=["status", "opened_by", "opened_at"])
        _record(session, EventKind.OPENED, partner_actor(user))
    logger.info("remote session %s opened by user %s", session.public_id, user.pk)
    return session


_REQUESTED = {
    Access.VIEW: EventKind.VIEW_REQUESTED,
    Access.CONTROL: EventKind.CONTROL_REQUESTED,
}
_ANSWERS = {
    (Access.VIEW, True): EventKind.VIEW_ALLOWED,
    (Access.VIEW, False): EventKind.VIEW_DENIED,
    (Access.CONTROL, True): EventKind.CONTROL_ALLOWED,
    (Access.CONTROL, False): EventKind.CONTROL_DENIED,
}


def _consent_field(access: str) -> str:
    if access == Access.VIEW:
        return "view_consent"
    if access == Access.CONTROL:
        return "control_consent"
    raise SessionActionNotAllowed(_("Unknown request."))


def can_request(session: RemoteSession, access: str) -> bool:
    """May the technician ask for ``access`` now? Control only after the
    customer allowed viewing; a denied request may be asked again."""
    if session.status != SessionStatus.OPEN:
        return False
    askable = {Consent.NOT_REQUESTED, Consent.DENIED}
    if access == Access.VIEW:
        return session.view_consent in askable
    return (
        session.view_consent == Consent.ALLOWED and session.control_consent in askable
    )


def request_access(session: RemoteSession, actor: Actor, access: str) -> RemoteSession:
    """The technician asks to view the desktop, or to use keyboard and mouse."""
    field = _consent_field(access)
    with transaction.atomic():
        locked = _locked(session)
        if not can_request(locked, access):
            if locked.status != SessionStatus.OPEN:
                raise SessionActionNotAllowed(_("The session is not open."))
            if access == Access.CONTROL and locked.view_consent != Consent.ALLOWED:
                raise SessionActionNotAllowed(
                    _("Ask to view the desktop first: keyboard and mouse come after.")
                )
            raise SessionActionNotAllowed(
                _("This was already asked: wait for the customer's answer.")
            )
        setattr(locked, field, Consent.REQUESTED)
        locked.save(update_fields=[field])
        _record(locked, _REQUESTED[access], actor)
    return locked


def answer_access_request(
    session: RemoteSession, actor: Actor, access: str, allow: bool
) -> RemoteSession:
    """The customer allows or denies what the technician asked."""
    field = _consent_field(access)
    with transaction.atomic():
        locked = _locked(session)
        if locked.status != SessionStatus.OPEN:
            raise SessionActionNotAllowed(_("The session is not open."))
        if getattr(locked, field) != Consent.REQUESTED:
            raise SessionActionNotAllowed(
                _("There is no request to answer: the technician has not asked.")
            )
        setattr(locked, field, Consent.ALLOWED if allow else Consent.DENIED)
        locked.save(update_fields=[field])
        _record(locked, _ANSWERS[(access, allow)], actor)
    return locked


def close_session(
    session: RemoteSession, actor: Actor, reason: str = CloseReason.CLOSED
) -> RemoteSession:
    """End the session (either side). Before it was opened, this cancels it and
    its code; a revocation closes it whatever its state."""
    with transaction.atomic():
        locked = _locked(session)
        if locked.status == SessionStatus.CLOSED:
            raise SessionActionNotAllowed(_("The session is already closed."))
        if locked.status == SessionStatus.WAITING and reason == CloseReason.CLOSED:
            if actor.role == ActorRole.PARTNER:
                raise SessionActionNotAllowed(_("The session is not open."))
            reason = CloseReason.CANCELLED
        locked.status = SessionStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor.user
        locked.closed_by_role = actor.role
        locked.closed_by_name = actor.name[:200]
        locked.close_reason = reason
        locked.save(
            update_fields=[
                "status",
                "closed_at",
                "closed_by",
                "closed_by_role",
                "closed_by_name",
                "close_reason",
            ]
        )
        kind = {
            CloseReason.CLOSED: EventKind.CLOSED,
            CloseReason.CANCELLED: EventKind.CANCELLED,
            CloseReason.REVOKED: EventKind.REVOKED,
        }[reason]
        _record(locked, kind, actor)
    return locked


def session_state(session: RemoteSession) -> str:
    """A short fingerprint of what the session pages show: when it changes,
    the pages redraw."""
    return ":".join(
        [
            session.status,
            session.view_consent,
            session.control_consent,
            "expired" if session.is_waiting and session.code_expired else "valid",
            str(session.events.count()),
        ]
    )
