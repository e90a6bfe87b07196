"""The new case form as two service calls: :func:`prepare_case_form` for the
page (or the step to take first) and :func:`submit_case_form` for a posted
form. Each returns a :class:`CaseFormOutcome`; the view renders it or
redirects, and does nothing else.

Between a failed submission and the next one the valid files wait as pending
uploads under a token the session owns (``cases.services.session``), so the
customer need not choose them again."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse

from core.throttle import rate_limit_wait, retry_message

from .. import conf
from ..models import AttachmentKind, Case, PendingUpload
from .session import (
    case_form_prefill,
    clear_case_form_prefill,
    forget_upload_token,
    owns_upload_token,
    remember_upload_token,
)
from .submission import (
    discard_pending_uploads,
    keep_pending_uploads,
    pending_uploads_for,
    submit_case,
)

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    from accounts.models import User

    from ..forms import CaseForm

#: The value of the case form's "Check my log for known solutions" button.
CHECK_LOG = "check_log"


@dataclass(frozen=True)
class LogToCheck:
    """The error log ``CASES_LOG_CHECK`` should read, and the product line
    code typed in the form (may be empty or unknown)."""

    upload: PendingUpload
    product_line: str


@dataclass(frozen=True)
class CaseFormOutcome:
    """What became of the case form.

    ``first_step``: the address of the step to take before the form (GET
    only); the rest is then empty. ``case``: the case just submitted.
    Otherwise the form comes back with ``status`` (200, 400 to correct it, 429
    refused by the rate limit with ``wait`` seconds to go), the uploads
    ``kept`` under ``token``, and for the log check either ``log_check``
    (``{"missing": True}``: no valid error log) or ``log_to_check``, which the
    caller hands to ``CASES_LOG_CHECK`` (it reads the request)."""

    form: CaseForm | None = None
    kept: list[PendingUpload] = field(default_factory=list)
    token: str = ""
    status: int = 200
    wait: int = 0
    case: Case | None = None
    first_step: str = ""
    log_check: dict | None = None
    log_to_check: LogToCheck | None = None


def _case_form_class():
    # cases.forms imports cases.services (CaseDraft, IncomingFile): imported
    # at call time, whichever of the two packages loads first.
    from ..forms import CaseForm

    return CaseForm


def _area_pk(line_code: str, area_code: str) -> str:
    from taxonomy.models import Area

    area_pk = (
        Area.objects.active()
        .filter(product_line__code=line_code, code=area_code)
        .values_list("pk", flat=True)
        .first()
    )
    return str(area_pk) if area_pk else ""


def _initial_from_user_and_query(user: User, query: Mapping[str, str]) -> dict:
    customer = user.customer
    initial = {
        "notify_email": user.email,
        "notify_mobile": user.mobile,
        "auto_notify": True,
        "dealer": customer.reference_partner_id,
    }
    # The product's Help menu opens the form with ?product_line=&area=&subject=.
    line_code = query.get("product_line", "")
    if line_code:
        initial["product_line"] = line_code
        area_code = query.get("area", "")
        if area_code:
            area_pk = _area_pk(line_code, area_code)
            if area_pk:
                initial["area"] = area_pk
    if query.get("subject"):
        initial["subject"] = query["subject"][:200]
    return initial


def _initial_from_first_step(
    session: SessionBase, query: Mapping[str, str], initial: dict
) -> tuple[dict, str]:
    """The values the first step handed over (the query string still wins),
    and the token of the error log kept there."""
    prefill = case_form_prefill(session)
    for name in ("product_line", "subject", "request"):
        if prefill.get(name) and name not in query:
            initial[name] = prefill[name]
    if prefill.get("area") and "area" not in query:
        area_pk = _area_pk(prefill.get("product_line"), prefill["area"])
        if area_pk:
            initial["area"] = area_pk
    token = prefill.get("upload_token", "")
    if not owns_upload_token(session, token):
        token = ""
    return initial, token


def _first_step(session: SessionBase, query: QueryDict) -> str:
    """The step before the form (``CASES_FIRST_STEP``) with the query string,
    unless it was done; "" when the form may open."""
    if not conf.FIRST_STEP or case_form_prefill(session).get("step_done"):
        return ""
    try:
        target = reverse(conf.FIRST_STEP)
    except NoReverseMatch:
        return ""
    encoded = query.urlencode()
    return f"{target}?{encoded}" if encoded else target


def prepare_case_form(
    user: User, session: SessionBase, query: QueryDict
) -> CaseFormOutcome:
    """The empty form for ``user`` (a customer's user), filled from the
    profile, the query string (``?product_line=&area=&subject=``) and what the
    first step handed over, with the error log kept there; or the address of
    that step when it is still to do."""
    step = _first_step(session, query)
    if step:
        return CaseFormOutcome(first_step=step)
    initial, token = _initial_from_first_step(
        session, query, _initial_from_user_and_query(user, query)
    )
    form = _case_form_class()(customer=user.customer, initial=initial)
    return CaseFormOutcome(
        form=form, kept=pending_uploads_for(user, token), token=token
    )


def _log_to_check(form: CaseForm, kept: Sequence[PendingUpload]) -> LogToCheck | None:
    """The error log to check (the one just chosen, now kept, or the one kept
    before), or None when there is no valid one."""
    log = next((p for p in kept if p.kind == AttachmentKind.ERROR_LOG), None)
    if log is None or form.has_error("error_log"):
        return None
    return LogToCheck(upload=log, product_line=form.data.get("product_line", "")[:60])


def submit_case_form(
    user: User,
    session: SessionBase,
    data: QueryDict,
    files: MultiValueDict,
    *,
    language: str,
    action: str = "",
    token: str = "",
    remove: Sequence[int | str] = (),
) -> CaseFormOutcome:
    """Handle the posted case form of ``user`` (a customer's user).

    ``token`` names the uploads kept from the previous try (ignored unless
    ``session`` owns it); ``remove`` the ids of those the user ticked to
    remove. ``action`` ``CHECK_LOG`` checks the error log instead of sending
    (when ``CASES_LOG_CHECK`` is set). Only a valid form, or a log check,
    counts against ``CASES_CREATE_RATE``. A valid form within the limit
    becomes a case (in ``language``; ``case_submitted`` carries ``session``);
    otherwise the valid files are kept for the next try and the form comes
    back: 400 to correct, 429 refused, 200 for the log check."""
    checking = action == CHECK_LOG and bool(conf.LOG_CHECK)
    if not owns_upload_token(session, token):
        token = ""
    if token and remove:
        discard_pending_uploads(user, token, remove)
    kept = pending_uploads_for(user, token)
    form = _case_form_class()(data, files, customer=user.customer, kept=kept)
    valid = form.is_valid()
    wait = 0
    if valid or checking:
        # Only what would be sent or checked counts, not a form to correct.
        bucket = "case_log_check" if checking else "case_create"
        wait = rate_limit_wait(bucket, f"user:{user.pk}", *conf.CREATE_RATE)
    if valid and not checking and not wait:
        replaced = {incoming.kind for incoming in form.files_to_attach()}
        keep = [
            pending
            for pending in kept
            if pending.kind == "other" or pending.kind not in replaced
        ]
        case = submit_case(
            form.draft(user, language), form.files_to_attach(), keep, session=session
        )
        if token:
            discard_pending_uploads(user, token, [p.pk for p in kept if p not in keep])
            forget_upload_token(session, token)
        clear_case_form_prefill(session)
        return CaseFormOutcome(form=form, case=case)

    if form.accepted_files:
        token = token or secrets.token_urlsafe(24)
        remember_upload_token(session, token)
        keep_pending_uploads(user, token, form.accepted_files)
        kept = pending_uploads_for(user, token)
    if wait:
        # Refused: the form comes back as typed (files kept) with when to retry.
        if checking:
            form.show_only_upload_errors()
        form.add_error(None, retry_message(wait))
        return CaseFormOutcome(form=form, kept=kept, token=token, status=429, wait=wait)
    if checking:
        # "Check my log for known solutions": nothing is sent; the form comes
        # back as it was, with the articles about the log's error codes.
        form.show_only_upload_errors()
        log = _log_to_check(form, kept)
        return CaseFormOutcome(
            form=form,
            kept=kept,
            token=token,
            log_check=None if log else {"missing": True},
            log_to_check=log,
        )
    return CaseFormOutcome(form=form, kept=kept, token=token, status=400)
