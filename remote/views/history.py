"""The reserved area: the company's authorisations and sessions, each with its
copy (PDF) and log; revoking an authorisation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from ..models import Authorisation
from ..permissions import (
    can_revoke_authorisation,
    can_see_remote_history,
    can_view_authorisation,
    can_work_session,
    is_authorisation_customer,
    is_remote_staff,
)
from ..services import AlreadyRevoked, customer_token, revoke_authorisation
from .common import authorisation_or_404, forbidden, request_info
from .customer import pdf_response

PAGE_SIZE = 25

# Consent records with names, addresses and a session's access token: never
# kept by a shared cache, nor stored by the browser.
private_page = cache_control(private=True, no_store=True)


@login_required
@require_GET
@private_page
def history(request):
    user = request.user
    if user.partner_id and not is_remote_staff(user):
        return redirect("remote:desk")
    if not can_see_remote_history(user):
        return forbidden(
            request, _("This page lists the remote assistance of a customer company.")
        )
    authorisations = Authorisation.objects.visible_to(user).select_related(
        "consent_version",
        "case",
        "customer",
        "revocation",
        "session__opened_by__partner",
    )
    page = Paginator(authorisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "remote/authorisation_list.html",
        {"page_obj": page, "is_staff_view": is_remote_staff(user)},
    )


def _viewable_or_404(request, public_id) -> Authorisation:
    authorisation = authorisation_or_404(public_id)
    if not can_view_authorisation(request.user, authorisation):
        raise Http404
    return authorisation


@login_required
@require_GET
@private_page
def authorisation_detail(request, public_id):
    authorisation = _viewable_or_404(request, public_id)
    session = getattr(authorisation, "session", None)
    user = request.user
    context = {
        "authorisation": authorisation,
        "version": authorisation.consent_version,
        "session": session,
        "events": list(session.events.all()) if session else [],
        "can_revoke": can_revoke_authorisation(user, authorisation),
        "session_url_token": (
            customer_token(session)
            if session and is_authorisation_customer(user, authorisation)
            else ""
        ),
        "can_work": bool(session and can_work_session(user, session)),
    }
    return render(request, "remote/authorisation_detail.html", context)


@login_required
@require_GET
def authorisation_pdf(request, public_id):
    return pdf_response(_viewable_or_404(request, public_id))


@login_required
@require_POST
def authorisation_revoke(request, public_id):
    authorisation = authorisation_or_404(public_id)
    if not is_authorisation_customer(request.user, authorisation):
        raise Http404
    try:
        revoke_authorisation(
            authorisation, request_info(request, authorisation.language)
        )
    except AlreadyRevoked as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The authorisation is revoked: its session, if any, is closed."),
        )
    return redirect("remote:authorisation", public_id=public_id)
