"""Helpers shared by the remote assistance views."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from core.throttle import client_ip

from ..models import Authorisation, RemoteSession
from ..services import RequestInfo, format_code

SESSION_TOKENS = "remote_session_tokens"
SESSION_CODES = "remote_session_codes"


def request_info(request, language: str) -> RequestInfo:
    return RequestInfo(
        user=request.user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        language=language,
    )


def remember_session_token(request, token: str) -> None:
    """The browser that authorised may come back to its session page."""
    tokens = [t for t in request.session.get(SESSION_TOKENS, []) if t != token]
    request.session[SESSION_TOKENS] = (tokens + [token])[-10:]


def session_tokens(request) -> list[str]:
    return list(request.session.get(SESSION_TOKENS, []))


def stash_code(request, session: RemoteSession, code: str) -> None:
    """Keep the new code until the session page shows it, once."""
    codes = dict(request.session.get(SESSION_CODES, {}))
    codes[str(session.public_id)] = code
    request.session[SESSION_CODES] = codes


def pop_code(request, session: RemoteSession) -> str:
    codes = dict(request.session.get(SESSION_CODES, {}))
    code = codes.pop(str(session.public_id), "")
    if code:
        request.session[SESSION_CODES] = codes
    return format_code(code) if code else ""


def forbidden(request, message: str):
    return render(request, "remote/forbidden.html", {"message": message}, status=403)


def throttled(request):
    return render(request, "remote/throttled.html", status=429)


def authorisation_or_404(public_id) -> Authorisation:
    return get_object_or_404(
        Authorisation.objects.select_related(
            "consent_version", "customer", "case", "user"
        ),
        public_id=public_id,
    )


def partner_session_or_404(public_id, user) -> RemoteSession:
    from ..permissions import can_work_session

    session = get_object_or_404(
        RemoteSession.objects.select_related(
            "authorisation__customer",
            "authorisation__case",
            "authorisation__consent_version",
            "opened_by__partner",
        ),
        public_id=public_id,
    )
    if not can_work_session(user, session):
        raise Http404
    return session
