"""The partner desk: the partner's queue, overdue cases first."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..forms import PartnerFilterForm
from ..models import Case, Status
from ..permissions import is_case_staff
from .common import forbidden, page_of, private_page


@private_page
@login_required
@require_GET
def partner_queue(request):
    """The cases assigned to the partner, overdue first; staff see all cases."""
    user = request.user
    if not (user.partner_id or is_case_staff(user)):
        return forbidden(request, _("The partner desk is for partners' users."))
    form = PartnerFilterForm(request.GET or None)
    scope, urgency, query = "open", "", ""
    if form.is_valid():
        scope = form.cleaned_data["scope"] or "open"
        urgency = form.cleaned_data["urgency"]
        query = form.cleaned_data["q"]
    cases = (
        Case.objects.visible_to(user)
        .select_related("customer", "product_line", "area", "assigned_partner")
        .with_overdue_flag()
    )
    if scope == "open":
        cases = cases.open()
    elif scope == "overdue":
        cases = cases.overdue()
    elif scope == "unassigned":
        cases = cases.filter(assigned_partner__isnull=True)
    elif scope in Status.values:
        cases = cases.filter(status=scope)
    if urgency:
        cases = cases.filter(urgency=urgency)
    cases = cases.search(query).order_by("-overdue_now", "due_at", "created_at")
    return render(
        request,
        "cases/partner_queue.html",
        {
            "form": form,
            "scope": scope,
            "page_obj": page_of(request, cases),
            "overdue_count": Case.objects.visible_to(user).overdue().count(),
        },
    )
