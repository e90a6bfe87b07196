from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import (
    can_review_join_requests,
    decide_join_request_view,
    join_requests_view,
)
from .models import Customer, Partner


class CustomerViewSet(SnippetViewSet):
    model = Customer
    icon = "group"
    list_display = [
        "name",
        "code",
        "reference_partner",
        "preferred_language",
        "is_active",
    ]
    list_filter = [
        "reference_partner",
        "product_lines",
        "preferred_language",
        "is_active",
    ]
    search_fields = ["name", "code", "installation_code"]
    # Search these columns through the ORM: the search index cannot restrict a
    # query to chosen fields on SQLite (and needs each one indexed elsewhere),
    # and the installation code, which proves membership, is not in the index.
    search_backend_name = None
    list_export = [
        "name",
        "code",
        "installation_code",
        "reference_partner",
        "is_active",
    ]


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "user"
    list_display = ["name", "code", "email", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "email"]
    search_backend_name = None  # as for customers


class CompaniesGroup(SnippetViewSetGroup):
    items = (CustomerViewSet, PartnerViewSet)
    menu_icon = "group"
    menu_label = _("Customers and partners")
    menu_name = "companies"


register_snippet(CompaniesGroup)


@hooks.register("register_admin_urls")
def register_join_request_urls():
    return [
        path("join-requests/", join_requests_view, name="accounts_join_requests"),
        path(
            "join-requests/<int:pk>/decide/",
            decide_join_request_view,
            name="accounts_decide_join_request",
        ),
    ]


class JoinRequestsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_review_join_requests(request.user)


@hooks.register("register_admin_menu_item")
def register_join_requests_menu_item():
    return JoinRequestsMenuItem(
        _("Requests to join"),
        reverse("accounts_join_requests"),
        name="join-requests",
        icon_name="group",
        order=1050,
    )
