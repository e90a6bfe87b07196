"""Admin additions: the "Deflection" dashboard in the Reports menu."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cases.panels import CASE_PAGE_PANELS, CasePanel

from .admin_views import dashboard_view, export_view
from .permissions import can_view_dashboard


@hooks.register("register_admin_urls")
def register_deflection_urls():
    return [
        path("reports/deflection/", dashboard_view, name="deflection_dashboard"),
        path("reports/deflection/export.csv", export_view, name="deflection_export"),
    ]


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_dashboard(request.user)


@hooks.register("register_reports_menu_item")
def register_deflection_menu_item():
    return DashboardMenuItem(
        _("Deflection"),
        reverse("deflection_dashboard"),
        name="deflection",
        icon_name="help",
        order=1310,
    )


@hooks.register(CASE_PAGE_PANELS)
def register_case_reading_panel():
    """For partners and staff: what the customer read before asking."""
    return CasePanel("deflection/includes/case_reading.html", order=200)
