"""Helpers shared by the case views."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control

from ..models import Case
from ..permissions import can_view_case

PAGE_SIZE = 25

# Case pages show a company's cases, messages and files: no shared cache (a proxy
# in a customer's office) may keep them, and the browser should not store them
# either, so that Back after logging out does not show them again.
private_page = cache_control(private=True, no_store=True)


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def forbidden(request, message: str):
    return render(request, "cases/forbidden.html", {"message": message}, status=403)


def visible_case_or_404(request, number: str) -> Case:
    case = get_object_or_404(
        Case.objects.select_related(
            "customer", "assigned_partner", "product_line", "area", "dealer"
        ),
        number=number,
    )
    if not can_view_case(request.user, case):
        raise Http404
    return case
