"""The authorisation form: public, prefilled for a logged-in customer, with the
clauses of the current published version in the visitor's language."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..services import prepare_authorisation_form, submit_authorisation_form
from .common import request_info


def authorise(request):
    """GET: the form. POST: record the authorisation and go to the session
    page, which shows the code once; anything less than six ticks, or a form
    built on another clause version, is refused with everything typed kept."""
    language = get_language()
    if request.method == "POST":
        outcome = submit_authorisation_form(
            request.user,
            request.session,
            request.POST,
            request_info(request, language),
            language=language,
        )
    else:
        outcome = prepare_authorisation_form(
            request.user, language=language, case_number=request.GET.get("case", "")
        )
    if outcome.status == 503:
        return render(request, "remote/unavailable.html", status=503)
    if outcome.issued is not None:
        messages.success(
            request,
            _("Thank you: your authorisation is recorded. We sent a copy to %(email)s.")
            % {"email": outcome.issued.authorisation.email},
        )
        return redirect("remote:session", token=outcome.token)
    return render(
        request,
        "remote/authorisation_form.html",
        {
            "form": outcome.form,
            "version": outcome.version,
            "notice": outcome.notice,
            "suggested_articles": outcome.suggested_articles,
            "is_customer": outcome.is_customer,
        },
        status=outcome.status,
    )
