"""Recording an authorisation (with its session and code, the copy to the
customer and the notice to the partner) and revoking one."""

import ipaddress
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    CLAUSE_COUNT,
    Authorisation,
    CloseReason,
    ConsentVersion,
    RemoteSession,
    Revocation,
    SessionStatus,
)
from .consent import current_consent_version
from .records import advance_chain_head, chain_authorisation
from .sessions import close_session, customer_actor, start_session

logger = logging.getLogger(__name__)


class OutdatedConsentVersion(Exception):
    """A newer text of the clauses was published after the form was shown."""


class InvalidConsentVersion(Exception):
    """The form names a clause version that is not the one to accept."""


class AlreadyRevoked(Exception):
    pass


@dataclass
class AuthorisationDraft:
    """What the form collected. ``accepted_clauses`` must be all six."""

    company_name: str
    operator_name: str
    email: str
    customer_code: str = ""
    installation_code: str = ""
    case: object | None = None
    accepted_clauses: tuple[int, ...] = ()


@dataclass
class RequestInfo:
    """Where an acceptance came from."""

    user: object | None
    ip_address: str | None
    user_agent: str
    language: str


@dataclass
class IssuedAuthorisation:
    authorisation: Authorisation
    session: RemoteSession
    code: str


def clean_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def check_consent_version(version_id, language: str) -> ConsentVersion:
    """The version the form was built with must be the current one for
    ``language``. Raises OutdatedConsentVersion when a newer one of the same
    language was published meanwhile, InvalidConsentVersion otherwise."""
    current = current_consent_version(language)
    if current is None:
        raise InvalidConsentVersion
    if str(version_id) == str(current.pk):
        return current
    posted = (
        ConsentVersion.objects.filter(pk=version_id).first()
        if str(version_id).isdigit()
        else None
    )
    if (
        posted is not None
        and posted.language == current.language
        and posted.number < current.number
    ):
        raise OutdatedConsentVersion
    raise InvalidConsentVersion


def record_authorisation(
    draft: AuthorisationDraft, version_id, info: RequestInfo
) -> IssuedAuthorisation:
    """Store the acceptance as an immutable record chained to the previous one
    (``remote.services.records``), open its session with a
    new one-time code, and queue the copy (with the PDF) to the given e-mail and
    the notice to the responsible partner or support. One transaction: the
    mail leaves after the commit."""
    if sorted(draft.accepted_clauses) != list(range(1, CLAUSE_COUNT + 1)):
        raise ValueError("all six clauses must be accepted")
    from ..notifications import notify_authorisation

    user = info.user if info.user is not None and info.user.is_authenticated else None
    customer = user.customer if user is not None and user.customer_id else None
    case = draft.case if customer is not None else None
    if case is not None and case.customer_id != customer.pk:
        raise ValueError("the case belongs to another company")
    with transaction.atomic():
        version = check_consent_version(version_id, info.language)
        authorisation = Authorisation(
            consent_version=version,
            language=version.language,
            consent_sha256=version.sha256,
            accepted_clauses=sorted(draft.accepted_clauses),
            company_name=draft.company_name.strip(),
            operator_name=draft.operator_name.strip(),
            email=draft.email.strip(),
            customer_code=draft.customer_code.strip(),
            installation_code=draft.installation_code.strip(),
            customer=customer,
            case=case,
            user=user,
            ip_address=clean_ip(info.ip_address),
            user_agent=(info.user_agent or "")[:1000],
        )
        chain_authorisation(authorisation)
        authorisation.save()
        advance_chain_head(authorisation)
        session, code = start_session(
            authorisation, customer_actor(user, authorisation)
        )
        notify_authorisation(authorisation)
    logger.info(
        "remote assistance authorised: %s (version %s %d)",
        authorisation.public_id,
        version.language,
        version.number,
    )
    return IssuedAuthorisation(authorisation, session, code)


def revoke_authorisation(authorisation: Authorisation, info: RequestInfo) -> Revocation:
    """Withdraw an authorisation: a Revocation record, and its session (waiting
    or open) is closed at once."""
    with transaction.atomic():
        if Revocation.objects.filter(authorisation=authorisation).exists():
            raise AlreadyRevoked(_("This authorisation was already revoked."))
        revocation = Revocation.objects.create(
            authorisation=authorisation,
            user=info.user
            if info.user is not None and info.user.is_authenticated
            else None,
            ip_address=clean_ip(info.ip_address),
            user_agent=(info.user_agent or "")[:1000],
        )
        session = RemoteSession.objects.filter(authorisation=authorisation).first()
        if session is not None and session.status != SessionStatus.CLOSED:
            close_session(
                session,
                customer_actor(revocation.user, authorisation),
                reason=CloseReason.REVOKED,
            )
    return revocation
