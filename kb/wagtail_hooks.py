"""Admin additions: the "Article feedback" report in the Reports menu, and page
links that may carry an anchor (imported ``kb:<key>#anchor`` links)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import page_permission_policy

from .admin_views import REPORT_PERMISSIONS, FeedbackReportView
from .link_handlers import AnchoredPageLinkHandler


# After Wagtail's own registration (order 0), so that this one replaces it.
@hooks.register("register_rich_text_features", order=100)
def register_anchored_page_links(features):
    features.register_link_type(AnchoredPageLinkHandler)


@hooks.register("register_admin_urls")
def register_feedback_report_urls():
    return [
        path(
            "reports/kb-feedback/",
            FeedbackReportView.as_view(),
            name="kb_feedback_report",
        ),
        path(
            "reports/kb-feedback/results/",
            FeedbackReportView.as_view(results_only=True),
            name="kb_feedback_report_results",
        ),
    ]


class FeedbackReportMenuItem(MenuItem):
    def is_shown(self, request):
        return page_permission_policy.user_has_any_permission(
            request.user, REPORT_PERMISSIONS
        )


@hooks.register("register_reports_menu_item")
def register_feedback_report_menu_item():
    return FeedbackReportMenuItem(
        _("Article feedback"),
        reverse("kb_feedback_report"),
        name="kb-feedback",
        icon_name="help",
        order=1300,
    )
