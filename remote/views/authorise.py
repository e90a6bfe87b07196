"""The authorisation form: public, prefilled for a logged-in customer, with the
clauses of the current published version in the visitor's language."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import Case
from core.throttle import client_ip, hit_rate_limit

from .. import conf
from ..forms import AuthorisationForm
from ..services import (
    InvalidConsentVersion,
    OutdatedConsentVersion,
    current_consent_version,
    customer_token,
    record_authorisation,
    suggested_articles,
)
from .common import remember_session_token, request_info, stash_code, throttled


def _open_cases_for(user):
    """A customer's users may link one of their company's open cases."""
    if not (user.is_authenticated and user.customer_id):
        return None
    return (
        Case.objects.visible_to(user)
        .filter(customer_id=user.customer_id)
        .open()
        .order_by("-created_at")
    )


def _initial(request, cases) -> dict:
    user = request.user
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
    number = request.GET.get("case", "")
    if number and cases is not None and cases.filter(number=number).exists():
        initial["case"] = number
    return initial


def _chosen_case(cases, number: str):
    if cases is None or not number:
        return None
    return cases.filter(number=number).first()


def authorise(request):
    """GET: the form. POST: record the authorisation and go to the session
    page, which shows the code once; anything less than six ticks, or a form
    built on another clause version, is refused with everything typed kept."""
    version = current_consent_version(get_language())
    if version is None:
        return render(request, "remote/unavailable.html", status=503)
    cases = _open_cases_for(request.user)
    status, notice = 200, ""
    if request.method == "POST":
        if hit_rate_limit("remote_authorise", client_ip(request), *conf.AUTHORISE_RATE):
            return throttled(request)
        form = AuthorisationForm(request.POST, version=version, cases=cases)
        if form.is_valid():
            try:
                issued = record_authorisation(
                    form.draft(),
                    form.cleaned_data["consent_version"],
                    request_info(request, version.language),
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
                remember_session_token(request, token)
                stash_code(request, issued.session, issued.code)
                messages.success(
                    request,
                    _(
                        "Thank you: your authorisation is recorded. We sent a copy "
                        "to %(email)s."
                    )
                    % {"email": issued.authorisation.email},
                )
                return redirect("remote:session", token=token)
        status = 400
        if form.outdated:
            # Consent must be given to the text now in force: show it, keep
            # what was typed, and ask for the ticks again.
            version = current_consent_version(get_language())
            kept = form.kept_values()
            form = AuthorisationForm(initial=kept, version=version, cases=cases)
            notice = _(
                "The text of the clauses changed while you were reading it: please "
                "read the new text below and tick the clauses again. Nothing has "
                "been saved yet."
            )
            status = 409
        case = _chosen_case(cases, request.POST.get("case", ""))
    else:
        form = AuthorisationForm(
            initial=_initial(request, cases), version=version, cases=cases
        )
        case = _chosen_case(cases, form.initial.get("case", ""))
    language = get_language()
    return render(
        request,
        "remote/authorisation_form.html",
        {
            "form": form,
            "version": version,
            "notice": notice,
            "suggested_articles": suggested_articles(
                case, language, conf.SUGGESTED_ARTICLES
            ),
            "is_customer": cases is not None,
        },
        status=status,
    )
