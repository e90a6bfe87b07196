"""The customer's side of a session: the code (once), the tool to download,
the technician's requests to answer, closing. Reached through the signed token
address, by the authorising company's users or the browser that authorised."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import conf
from ..forms import AccessAnswerForm
from ..models import Access, Consent, RemoteSession
from ..pdf import pdf_filename, render_authorisation_pdf
from ..permissions import can_follow_session
from ..services import (
    SessionActionNotAllowed,
    answer_access_request,
    close_session,
    customer_actor,
    pop_code,
    renew_session_code,
    session_from_token,
    session_state,
    session_tokens,
    stash_code,
    tools_for_download,
)

PANEL = "remote/includes/customer_panel.html"


def _session_or_404(request, token: str) -> RemoteSession:
    session = session_from_token(token)
    if session is None or not can_follow_session(
        request.user, session, session_tokens(request.session)
    ):
        raise Http404
    return session


def _panel_context(request, session: RemoteSession, token: str) -> dict:
    return {
        "session": session,
        "authorisation": session.authorisation,
        "token": token,
        "events": list(session.events.all()),
        "view_request": session.view_consent == Consent.REQUESTED,
        "control_request": session.control_consent == Consent.REQUESTED,
        "access": Access,
    }


@require_GET
def session_page(request, token):
    session = _session_or_404(request, token)
    context = _panel_context(request, session, token)
    context.update(
        {
            "code": pop_code(request.session, session),
            "tools": tools_for_download(request.META.get("HTTP_USER_AGENT", "")),
            "state": session_state(session),
            "poll_seconds": conf.POLL_SECONDS,
            "valid_minutes": conf.CODE_VALID_MINUTES,
        }
    )
    response = render(request, "remote/session_customer.html", context)
    # The code is on this page once: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def session_status(request, token):
    session = _session_or_404(request, token)
    html = render_to_string(
        PANEL, _panel_context(request, session, token), request=request
    )
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


def _answer_message(access: str, allow: bool) -> str:
    if access == Access.VIEW:
        if allow:
            return _("You allowed the technician to view your desktop.")
        return _("You did not allow the technician to view your desktop.")
    if allow:
        return _("You allowed the technician to use your keyboard and mouse.")
    return _("You did not allow the technician to use your keyboard and mouse.")


@require_POST
def session_answer(request, token):
    session = _session_or_404(request, token)
    form = AccessAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Allow or Deny."))
        return redirect("remote:session", token=token)
    access = form.cleaned_data["access"]
    try:
        answer_access_request(
            session,
            customer_actor(request.user, session.authorisation),
            access,
            form.allow,
        )
    except SessionActionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _answer_message(access, form.allow))
    return redirect("remote:session", token=token)


@require_POST
def session_close(request, token):
    session = _session_or_404(request, token)
    try:
        close_session(session, customer_actor(request.user, session.authorisation))
    except SessionActionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The session is closed."))
    return redirect("remote:session", token=token)


@require_POST
def session_new_code(request, token):
    session = _session_or_404(request, token)
    try:
        code = renew_session_code(
            session, customer_actor(request.user, session.authorisation)
        )
    except SessionActionNotAllowed as error:
        messages.error(request, str(error))
    else:
        stash_code(request.session, session, code)
        messages.success(
            request, _("Here is your new code: the previous one no longer works.")
        )
    return redirect("remote:session", token=token)


@require_GET
def session_pdf(request, token):
    session = _session_or_404(request, token)
    return pdf_response(session.authorisation)


def pdf_response(authorisation) -> HttpResponse:
    response = HttpResponse(
        render_authorisation_pdf(authorisation), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{pdf_filename(authorisation)}"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
