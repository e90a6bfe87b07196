"""Wagtail admin: staff approve or refuse requests to join a company (when the
company's own users cannot, e.g. none of them is left)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import JoinDecisionForm
from .membership import (
    APPROVE,
    JoinRequestDecided,
    JoinRequestForbidden,
    decide_join_request,
    join_requests_for_staff,
)

PERMISSION = "accounts.change_companyjoinrequest"


def can_review_join_requests(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERMISSION))


def join_requests_view(request):
    if not can_review_join_requests(request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/admin/join_requests.html",
        {
            "page_title": _("Requests to join a company"),
            "header_icon": "group",
            "join_requests": join_requests_for_staff(),
        },
    )


@require_POST
def decide_join_request_view(request, pk: int):
    if not can_review_join_requests(request.user):
        raise PermissionDenied
    form = JoinDecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            join_request = decide_join_request(
                pk, request.user, decision, request.build_absolute_uri("/")
            )
        except JoinRequestForbidden:
            messages.error(request, _("This request cannot be approved."))
        except JoinRequestDecided:
            messages.info(request, _("This request has already been decided."))
        else:
            names = {
                "person": join_request.user.get_full_name() or join_request.user.email,
                "company": join_request.customer.name,
            }
            if decision == APPROVE:
                text = _("%(person)s is now a user of %(company)s.")
            else:
                text = _("The request of %(person)s to join %(company)s was refused.")
            messages.success(request, text % names)
    return redirect("accounts_join_requests")
