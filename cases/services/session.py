"""What the case form keeps in the visitor's session between requests: the
tokens of forms whose files wait for the next submission, and what the step
before the form (``CASES_FIRST_STEP``) hands over to it. The only place these
session keys are read or written: the case views and that step (another app)
call these functions, never the keys."""

from __future__ import annotations

from typing import Any

SESSION_TOKENS = "cases_upload_tokens"
# {"step_done": True, and the initial product_line, area, subject, request,
# upload_token}.
SESSION_PREFILL = "cases_new_prefill"
#: Upload tokens a session remembers (its latest forms).
KEPT_TOKENS = 5


def owns_upload_token(session, token: str) -> bool:
    """Whether ``token`` was given to this session: a token in a page alone
    proves nothing."""
    return bool(token) and token in session.get(SESSION_TOKENS, [])


def remember_upload_token(session, token: str) -> None:
    """Remember ``token`` as this session's latest, keeping ``KEPT_TOKENS``."""
    tokens = [t for t in session.get(SESSION_TOKENS, []) if t != token]
    session[SESSION_TOKENS] = (tokens + [token])[-KEPT_TOKENS:]


def forget_upload_token(session, token: str) -> None:
    session[SESSION_TOKENS] = [t for t in session.get(SESSION_TOKENS, []) if t != token]


def hand_over_to_case_form(session, **values: Any) -> dict:
    """What the step before the form hands over (``product_line``, ``area``,
    ``subject``, ``request``, ``upload_token``): the form opens with them and
    no longer sends the customer back to the step."""
    prefill = {"step_done": True, **values}
    session[SESSION_PREFILL] = prefill
    return prefill


def case_form_prefill(session) -> dict:
    """What the step handed over, or {} (the step is then still to do)."""
    return session.get(SESSION_PREFILL) or {}


def clear_case_form_prefill(session) -> None:
    """The case was sent, or the step started again: nothing to hand over."""
    session.pop(SESSION_PREFILL, None)
