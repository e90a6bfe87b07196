"""The partner desk: enter the code the customer reads by phone, then ask to
view the desktop and to use keyboard and mouse, and close the session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from core.throttle import client_ip, rate_limit_wait, refused_form

from .. import conf
from ..forms import AccessRequestForm, SessionCodeForm
from ..models import Access, RemoteSession, SessionStatus
from ..permissions import can_use_desk, is_remote_staff
from ..services import (
    InvalidSessionCode,
    SessionActionNotAllowed,
    can_request,
    close_session,
    open_session_with_code,
    partner_actor,
    request_access,
    session_state,
)
from .common import forbidden, partner_session_or_404

PANEL = "remote/includes/partner_panel.html"


def _invalid_code_message() -> str:
    # One message for unknown, used, expired and someone else's codes alike.
    return _(
        "This code does not open a session. Check the nine digits with the "
        "customer, or ask them for a new code."
    )


def _sessions_for_desk(user):
    base = RemoteSession.objects.select_related(
        "authorisation__customer", "authorisation__case", "opened_by"
    )
    if is_remote_staff(user):
        mine = base.filter(status=SessionStatus.OPEN)
        waiting = base.filter(status=SessionStatus.WAITING)
        recent = base.filter(status=SessionStatus.CLOSED, opened_at__isnull=False)
    else:
        mine = base.filter(status=SessionStatus.OPEN, opened_by=user)
        waiting = base.filter(status=SessionStatus.WAITING).filter(
            Q(authorisation__customer__reference_partner_id=user.partner_id)
            | Q(authorisation__case__assigned_partner_id=user.partner_id)
        )
        recent = base.filter(status=SessionStatus.CLOSED, opened_by=user)
    return {
        "open_sessions": mine.order_by("-opened_at"),
        "waiting_sessions": waiting.filter(
            authorisation__revocation__isnull=True
        ).order_by("-created_at")[:20],
        "recent_sessions": recent.order_by("-closed_at")[:10],
    }


@login_required
@cache_control(private=True, no_store=True)
def desk(request):
    """GET: the code form and my sessions. POST: open the session of a code."""
    user = request.user
    if not can_use_desk(user):
        return forbidden(request, _("The remote assistance desk is for partners."))
    form = SessionCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # Both counters take every attempt: a guesser is slowed per account and
        # per address alike.
        wait = max(
            rate_limit_wait("remote_code_user", str(user.pk), *conf.CODE_RATE),
            rate_limit_wait("remote_code_ip", client_ip(request), *conf.CODE_IP_RATE),
        )
        if wait:
            # The desk as it was, with when to retry; the code is not checked.
            form = refused_form(form, wait)
        elif form.is_valid():
            try:
                session = open_session_with_code(form.cleaned_data["code"], user)
            except InvalidSessionCode:
                form.add_error("code", _invalid_code_message())
            else:
                messages.success(
                    request,
                    _("Session opened for %(company)s. Ask to view the desktop.")
                    % {"company": session.authorisation.company_name},
                )
                return redirect("remote:desk_session", public_id=session.public_id)
        status = 429 if wait else 400
    context = {"form": form, "is_staff_view": is_remote_staff(user)}
    context.update(_sessions_for_desk(user))
    return render(request, "remote/desk.html", context, status=status)


def _panel_context(request, session: RemoteSession) -> dict:
    return {
        "session": session,
        "authorisation": session.authorisation,
        "events": list(session.events.all()),
        "can_request_view": can_request(session, Access.VIEW),
        "can_request_control": can_request(session, Access.CONTROL),
        "access": Access,
    }


@login_required
@require_GET
def desk_session(request, public_id):
    session = partner_session_or_404(public_id, request.user)
    context = _panel_context(request, session)
    context.update({"state": session_state(session), "poll_seconds": conf.POLL_SECONDS})
    response = render(request, "remote/session_partner.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def desk_status(request, public_id):
    session = partner_session_or_404(public_id, request.user)
    html = render_to_string(PANEL, _panel_context(request, session), request=request)
    response = JsonResponse(
        {
            "status": session.status,
            "view": session.view_consent,
            "control": session.control_consent,
            "state": session_state(session),
            "html": html,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def desk_request(request, public_id):
    session = partner_session_or_404(public_id, request.user)
    form = AccessRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown request."))
        return redirect("remote:desk_session", public_id=public_id)
    try:
        request_access(
            session, partner_actor(request.user), form.cleaned_data["access"]
        )
    except SessionActionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Request sent: waiting for the customer's answer."))
    return redirect("remote:desk_session", public_id=public_id)


@login_required
@require_POST
def desk_close(request, public_id):
    session = partner_session_or_404(public_id, request.user)
    try:
        close_session(session, partner_actor(request.user))
    except SessionActionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The session is closed."))
    return redirect("remote:desk_session", public_id=public_id)
