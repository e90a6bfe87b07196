"""The authorisation form as two service calls: :func:`prepare_authorisation_form`
for the page and :func:`submit_authorisation_form` for the posted form. Each
returns an :class:`AuthorisationFormOutcome`; the view renders it or goes to
the session page, and does nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from cases.models import Case
from core.throttle import rate_limit_wait, refused_form

from .. import conf
from ..models import ConsentVersion
from .authorisation import (
    InvalidConsentVersion,
    IssuedAuthorisation,
    OutdatedConsentVersion,
    RequestInfo,
    record_authorisation,
)
from .consent import current_consent_version
from .sessions import customer_token
from .suggestions import suggested_articles
from .visitor import remember_session_token, stash_code

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.db.models import QuerySet

    from accounts.models import User

    from ..forms import AuthorisationForm


@dataclass(frozen=True)
class AuthorisationFormOutcome:
    """What became of the authorisation form.

    ``issued``: the authorisation just recorded, its session's page at
    ``token`` (the browser remembers it, and the code until the page shows
    it). Otherwise ``status`` says what to show: 503 without clauses in force
    (``version`` None), 429 refused by the rate limit, else the form (200,
    400 to correct it, 409 to accept the clauses published meanwhile, with
    ``notice``) and the articles that may make the session unnecessary."""

    version: ConsentVersion | None = None
    form: AuthorisationForm | None = None
    status: int = 200
    notice: str = ""
    suggested_articles: list = field(default_factory=list)
    is_customer: bool = False
    issued: IssuedAuthorisation | None = None
    token: str = ""


def _form_class():
    # remote.forms imports remote.services (the draft and the version
    # check): imported at call time, whichever of the two loads first.
    from ..forms import AuthorisationForm

    return AuthorisationForm


def _open_cases_for(user: User) -> QuerySet[Case] | None:
    """A customer's users may link one of their company's open cases."""
    if not (user.is_authenticated and user.customer_id):
        return None
    return (
        Case.objects.visible_to(user)
        .filter(customer_id=user.customer_id)
        .open()
        .order_by("-created_at")
    )


def _initial(user: User, cases, case_number: str) -> dict:
    if not (user.is_authenticated and user.customer_id):
        return {}
    customer = user.customer
    initial = {
        "company_name": customer.name,
        "operator_name": user.get_full_name(),
        "email": user.email,
        "customer_code": customer.code,
        "installation_code": customer.installation_code,
    }
    if case_number and cases is not None and cases.filter(number=case_number).exists():
        initial["case"] = case_number
    return initial


def _chosen_case(cases, number: str) -> Case | None:
    if cases is None or not number:
        return None
    return cases.filter(number=number).first()


def _shown(
    form: AuthorisationForm,
    version: ConsentVersion,
    cases,
    case_number: str,
    language: str,
    *,
    status: int = 200,
    notice: str = "",
) -> AuthorisationFormOutcome:
    """The form as it comes back, with the articles for the case chosen."""
    case = _chosen_case(cases, case_number)
    return AuthorisationFormOutcome(
        version=version,
        form=form,
        status=status,
        notice=notice,
        suggested_articles=suggested_articles(case, language, conf.SUGGESTED_ARTICLES),
        is_customer=cases is not None,
    )


def prepare_authorisation_form(
    user: User, *, language: str, case_number: str = ""
) -> AuthorisationFormOutcome:
    """The form with the clauses in force in ``language``, prefilled for a
    customer's user (with ``case_number`` when it is one of the company's open
    cases); status 503 when no clauses are in force."""
    version = current_consent_version(language)
    if version is None:
        return AuthorisationFormOutcome(status=503)
    cases = _open_cases_for(user)
    form = _form_class()(
        initial=_initial(user, cases, case_number), version=version, cases=cases
    )
    return _shown(form, version, cases, form.initial.get("case", ""), language)


def submit_authorisation_form(
    user: User,
    session: SessionBase,
    data: Mapping,
    info: RequestInfo,
    *,
    language: str,
) -> AuthorisationFormOutcome:
    """Handle a posted authorisation form: within ``REMOTE_AUTHORISE_RATE``
    per address (``info.ip_address``), record the authorisation when the six
    clauses of the version in force were ticked, and let ``session`` (the
    browser's) follow its remote session and see the code once. Anything less,
    or a form built on another clause version, comes back with everything
    typed kept (409 and fresh clauses when a newer text was published)."""
    version = current_consent_version(language)
    if version is None:
        return AuthorisationFormOutcome(status=503)
    cases = _open_cases_for(user)
    form_class = _form_class()
    form = form_class(data, version=version, cases=cases)
    wait = rate_limit_wait(
        "remote_authorise", info.ip_address or "unknown", *conf.AUTHORISE_RATE
    )
    if wait:
        # The form as typed, with when to retry; nothing checked or recorded.
        return AuthorisationFormOutcome(
            version=version,
            form=refused_form(form, wait),
            status=429,
            is_customer=cases is not None,
        )
    case_number = data.get("case", "")
    if form.is_valid():
        try:
            issued = record_authorisation(
                form.draft(),
                form.cleaned_data["consent_version"],
                replace(info, language=version.language),
            )
        except OutdatedConsentVersion:
            form.outdated = True
        except InvalidConsentVersion:
            form.tampered = True
            form.add_error(
                None,
                _(
                    "This form does not match the clauses currently in force, so "
                    "nothing was saved. Please read the clauses below, tick them "
                    "and press Accept again."
                ),
            )
        else:
            token = customer_token(issued.session)
            remember_session_token(session, token)
            stash_code(session, issued.session, issued.code)
            return AuthorisationFormOutcome(
                version=version, form=form, issued=issued, token=token
            )
    if form.outdated:
        # Consent must be given to the text now in force: show it, keep
        # what was typed, and ask for the ticks again.
        version = current_consent_version(language)
        form = form_class(initial=form.kept_values(), version=version, cases=cases)
        notice = _(
            "The text of the clauses changed while you were reading it: please "
            "read the new text below and tick the clauses again. Nothing has "
            "been saved yet."
        )
        return _shown(
            form, version, cases, case_number, language, status=409, notice=notice
        )
    return _shown(form, version, cases, case_number, language, status=400)
