"""What the visitor's browser session remembers of remote assistance: the
tokens of the sessions it authorised (it may come back to their pages) and
each new code until its page shows it, once. The only place these session
keys are read or written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .codes import format_code

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from ..models import RemoteSession

SESSION_TOKENS = "remote_session_tokens"
SESSION_CODES = "remote_session_codes"
#: Session tokens a browser remembers (its latest authorisations).
KEPT_TOKENS = 10


def remember_session_token(session: SessionBase, token: str) -> None:
    """The browser that authorised may come back to its session page."""
    tokens = [t for t in session.get(SESSION_TOKENS, []) if t != token]
    session[SESSION_TOKENS] = (tokens + [token])[-KEPT_TOKENS:]


def session_tokens(session: SessionBase) -> list[str]:
    return list(session.get(SESSION_TOKENS, []))


def stash_code(session: SessionBase, remote_session: RemoteSession, code: str) -> None:
    """Keep the new code until the session page shows it, once."""
    codes = dict(session.get(SESSION_CODES, {}))
    codes[str(remote_session.public_id)] = code
    session[SESSION_CODES] = codes


def pop_code(session: SessionBase, remote_session: RemoteSession) -> str:
    """The code stashed for ``remote_session``, formatted, once; "" after."""
    codes = dict(session.get(SESSION_CODES, {}))
    code = codes.pop(str(remote_session.public_id), "")
    if code:
        session[SESSION_CODES] = codes
    return format_code(code) if code else ""
