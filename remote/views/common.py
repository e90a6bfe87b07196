"""Helpers shared by the remote assistance views."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from core.throttle import client_ip

from ..models import Authorisation, RemoteSession
from ..services import RequestInfo


def request_info(request, language: str) -> RequestInfo:
    return RequestInfo(
        user=request.user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        language=language,
    )


def forbidden(request, message: str):
    return render(request, "remote/forbidden.html", {"message": message}, status=403)


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
