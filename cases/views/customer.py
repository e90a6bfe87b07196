"""The customer area: my company's cases and the new case form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Customer, User

from .. import conf
from ..forms import CaseFilterForm
from ..models import Case
from ..permissions import can_open_cases
from ..services import (
    CaseFormOutcome,
    LogToCheck,
    prepare_case_form,
    submit_case_form,
)
from ..uploads import streamed_uploads
from .common import (
    forbidden,
    page_of,
    private_page,
)


@private_page
@login_required
@require_GET
def case_list(request):
    """My company's cases: open ones, the history of resolved ones, or all."""
    if request.user.partner_id:
        return redirect("cases:partner_queue")
    form = CaseFilterForm(request.GET or None)
    scope, query = "open", ""
    if form.is_valid():
        scope = form.cleaned_data["scope"] or "open"
        query = form.cleaned_data["q"]
    cases = Case.objects.visible_to(request.user).select_related(
        "product_line", "area", "assigned_partner"
    )
    if scope == "open":
        cases = cases.open()
    elif scope == "resolved":
        cases = cases.resolved().order_by("-resolved_at", "-closed_at", "-pk")
    cases = cases.search(query)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "scope": scope,
            "query": query,
            "page_obj": page_of(request, cases),
            "can_open_cases": can_open_cases(request.user),
        },
    )


def _load_customer(user) -> None:
    """Read the user's company with its reference partner in one statement:
    the form's default dealer and the assignment of a new case both need it."""
    if user.customer_id and not User.customer.is_cached(user):
        user.customer = Customer.objects.select_related("reference_partner").get(
            pk=user.customer_id
        )


@private_page
@login_required
@streamed_uploads
def case_new(request):
    """The new case form. On a failed submission the valid files are kept
    server-side and listed, so the user need not choose them again."""
    _load_customer(request.user)
    if not can_open_cases(request.user):
        return forbidden(request, _("Only users of a customer company can open cases."))
    if request.method != "POST":
        outcome = prepare_case_form(request.user, request.session, request.GET)
        if outcome.first_step:
            return redirect(outcome.first_step)
        return _render_case_form(request, outcome)

    outcome = submit_case_form(
        request.user,
        request.session,
        request.POST,
        request.FILES,
        language=get_language(),
        action=request.POST.get("action", ""),
        token=request.POST.get("upload_token", ""),
        remove=[
            value for value in request.POST.getlist("remove_pending") if value.isdigit()
        ],
    )
    case = outcome.case
    if case is not None:
        messages.success(
            request,
            _("Your request is case %(number)s. We sent a summary to %(email)s.")
            % {"number": case.number, "email": case.notify_email},
        )
        return redirect("cases:detail", number=case.number)
    return _render_case_form(request, outcome)


def _check_log(request, log: LogToCheck) -> dict:
    """What ``CASES_LOG_CHECK`` says about the error log the form kept (it
    reads the request: the visitor's session and language)."""
    check = import_string(conf.LOG_CHECK)
    with log.upload.file.open("rb") as handle:
        return check(request, handle, log.product_line)


def _render_case_form(request, outcome: CaseFormOutcome):
    log_check = outcome.log_check
    if outcome.log_to_check is not None:
        log_check = _check_log(request, outcome.log_to_check)
    return render(
        request,
        "cases/case_form.html",
        {
            "form": outcome.form,
            "customer": request.user.customer,
            "kept": outcome.kept,
            "upload_token": outcome.token,
            "log_check_enabled": bool(conf.LOG_CHECK),
            "log_check": log_check,
        },
        status=outcome.status,
    )
