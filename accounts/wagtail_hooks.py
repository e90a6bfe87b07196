from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

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
