"""The customer area: my company's cases and the new case form."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Customer, User
from core.throttle import rate_limit_wait, retry_message

from .. import conf
from ..forms import CaseFilterForm, CaseForm
from ..models import AttachmentKind, Case
from ..permissions import can_open_cases
from ..services import (
    case_form_prefill,
    clear_case_form_prefill,
    discard_pending_uploads,
    forget_upload_token,
    keep_pending_uploads,
    owns_upload_token,
    pending_uploads_for,
    remember_upload_token,
    submit_case,
)
from ..uploads import streamed_uploads
from .common import (
    forbidden,
    page_of,
    private_page,
)

#: The value of the case form's "Check my log for known solutions" button.
CHECK_LOG = "check_log"


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


def _upload_token(request) -> str:
    """The token of this form's kept uploads, created on the first failure and
    remembered in the session (a token in the page alone proves nothing)."""
    token = request.POST.get("upload_token", "")
    return token if owns_upload_token(request.session, token) else ""


def _initial_from_user_and_query(request) -> dict:
    user = request.user
    customer = user.customer
    initial = {
        "notify_email": user.email,
        "notify_mobile": user.mobile,
        "auto_notify": True,
        "dealer": customer.reference_partner_id,
    }
    # The product's Help menu opens the form with ?product_line=&area=&subject=.
    line_code = request.GET.get("product_line", "")
    if line_code:
        initial["product_line"] = line_code
        area_code = request.GET.get("area", "")
        if area_code:
            from taxonomy.models import Area

            area = Area.objects.active().filter(
                product_line__code=line_code, code=area_code
            )
            area_pk = area.values_list("pk", flat=True).first()
            if area_pk:
                initial["area"] = str(area_pk)
    if request.GET.get("subject"):
        initial["subject"] = request.GET["subject"][:200]
    return initial


def _first_step_redirect(request):
    """Send the customer to the step before the form (CASES_FIRST_STEP) unless
    it was done; None when the form may open."""
    prefill = case_form_prefill(request.session)
    if not conf.FIRST_STEP or prefill.get("step_done"):
        return None
    try:
        target = reverse(conf.FIRST_STEP)
    except NoReverseMatch:
        return None
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target)


def _initial_from_first_step(request, initial: dict) -> tuple[dict, str]:
    """The values the first step handed over (the query string still wins),
    and the token of the error log kept there."""
    prefill = case_form_prefill(request.session)
    for name in ("product_line", "subject", "request"):
        if prefill.get(name) and name not in request.GET:
            initial[name] = prefill[name]
    if prefill.get("area") and "area" not in request.GET:
        from taxonomy.models import Area

        area_pk = (
            Area.objects.active()
            .filter(
                product_line__code=prefill.get("product_line"), code=prefill["area"]
            )
            .values_list("pk", flat=True)
            .first()
        )
        if area_pk:
            initial["area"] = str(area_pk)
    token = prefill.get("upload_token", "")
    if not owns_upload_token(request.session, token):
        token = ""
    return initial, token


@private_page
@login_required
@streamed_uploads
def case_new(request):
    """The new case form. On a failed submission the valid files are kept
    server-side and listed, so the user need not choose them again."""
    _load_customer(request.user)
    if not can_open_cases(request.user):
        return forbidden(request, _("Only users of a customer company can open cases."))
    customer = request.user.customer
    if request.method != "POST":
        step = _first_step_redirect(request)
        if step is not None:
            return step
        initial, token = _initial_from_first_step(
            request, _initial_from_user_and_query(request)
        )
        form = CaseForm(customer=customer, initial=initial)
        return _render_case_form(
            request, form, pending_uploads_for(request.user, token), token
        )

    checking = request.POST.get("action") == CHECK_LOG and bool(conf.LOG_CHECK)
    token = _upload_token(request)
    remove = [
        value for value in request.POST.getlist("remove_pending") if value.isdigit()
    ]
    if token and remove:
        discard_pending_uploads(request.user, token, remove)
    kept = pending_uploads_for(request.user, token)
    form = CaseForm(request.POST, request.FILES, customer=customer, kept=kept)
    valid = form.is_valid()
    wait = 0
    if valid or checking:
        # Only what would be sent or checked counts, not a form to correct.
        bucket = "case_log_check" if checking else "case_create"
        wait = rate_limit_wait(bucket, f"user:{request.user.pk}", *conf.CREATE_RATE)
    if valid and not checking and not wait:
        replaced = {incoming.kind for incoming in form.files_to_attach()}
        keep = [
            pending
            for pending in kept
            if pending.kind == "other" or pending.kind not in replaced
        ]
        case = submit_case(
            form.draft(request.user, get_language()),
            form.files_to_attach(),
            keep,
            session=request.session,
        )
        if token:
            discard_pending_uploads(
                request.user, token, [p.pk for p in kept if p not in keep]
            )
            forget_upload_token(request.session, token)
        clear_case_form_prefill(request.session)
        messages.success(
            request,
            _("Your request is case %(number)s. We sent a summary to %(email)s.")
            % {"number": case.number, "email": case.notify_email},
        )
        return redirect("cases:detail", number=case.number)

    if form.accepted_files:
        token = token or secrets.token_urlsafe(24)
        remember_upload_token(request.session, token)
        keep_pending_uploads(request.user, token, form.accepted_files)
        kept = pending_uploads_for(request.user, token)
    if wait:
        # Refused: the form comes back as typed (files kept) with when to retry.
        if checking:
            form.show_only_upload_errors()
        form.add_error(None, retry_message(wait))
        return _render_case_form(request, form, kept, token, status=429)
    if checking:
        # "Check my log for known solutions": nothing is sent; the form comes
        # back as it was, with the articles about the log's error codes.
        form.show_only_upload_errors()
        log_check = _check_log(request, form, kept)
        return _render_case_form(request, form, kept, token, log_check=log_check)
    return _render_case_form(request, form, kept, token, status=400)


def _check_log(request, form, kept) -> dict:
    """What ``CASES_LOG_CHECK`` says about the error log of the form (the one
    just chosen, now kept, or the one kept before). ``{"missing": True}`` when
    there is no valid error log to check."""
    log = next((p for p in kept if p.kind == AttachmentKind.ERROR_LOG), None)
    if log is None or form.has_error("error_log"):
        return {"missing": True}
    line = form.data.get("product_line", "")[:60]
    check = import_string(conf.LOG_CHECK)
    with log.file.open("rb") as handle:
        return check(request, handle, line)


def _render_case_form(request, form, kept, token, status=200, log_check=None):
    return render(
        request,
        "cases/case_form.html",
        {
            "form": form,
            "customer": request.user.customer,
            "kept": kept,
            "upload_token": token,
            "log_check_enabled": bool(conf.LOG_CHECK),
            "log_check": log_check,
        },
        status=status,
    )
