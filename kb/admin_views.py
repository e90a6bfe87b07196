"""The editors' "Article feedback" report: per article and language, the votes,
the share of "yes" and the comments, least helpful first."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, LocaleColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permissions import page_permission_policy

from .models import ArticleFeedback, ArticlePage
from .services import feedback_report_queryset

REPORT_PERMISSIONS = ["add", "change", "publish"]


class FeedbackReportFilterSet(WagtailFilterSet):
    class Meta:
        model = ArticlePage
        fields = ["doc_type", "audience"]


class RatioColumn(Column):
    def get_value(self, instance):
        return f"{round(instance.ratio * 100)} %"


class CommentsColumn(Column):
    """The latest comments, so that an editor sees what readers missed."""

    cell_template_name = "kb/admin/comments_cell.html"

    def get_value(self, instance):
        return getattr(instance, "latest_comments", [])


class FeedbackReportView(ReportView):
    page_title = _("Article feedback")
    header_icon = "help"
    index_url_name = "kb_feedback_report"
    index_results_url_name = "kb_feedback_report_results"
    filterset_class = FeedbackReportFilterSet
    any_permission_required = REPORT_PERMISSIONS
    list_export = [
        "title",
        "locale",
        "votes",
        "helpful_votes",
        "ratio",
        "comment_count",
    ]
    export_headings = {
        "title": _("Article"),
        "locale": _("Language"),
        "votes": _("Votes"),
        "helpful_votes": _("Helpful"),
        "ratio": _("Helpful ratio"),
        "comment_count": _("Comments"),
    }
    columns = [
        TitleColumn(
            "title",
            label=_("Article"),
            url_name="wagtailadmin_pages:edit",
        ),
        LocaleColumn(),
        Column("votes", label=_("Votes")),
        Column("helpful_votes", label=_("Helpful")),
        RatioColumn("ratio", label=_("Helpful ratio")),
        CommentsColumn("latest_comments", label=_("Latest comments")),
    ]

    @cached_property
    def permission_policy(self):
        return page_permission_policy

    def get_queryset(self):
        return feedback_report_queryset()

    def decorate_paginated_queryset(self, object_list):
        pages = list(object_list)
        comments: dict[int, list[str]] = {}
        for pk, comment in (
            ArticleFeedback.objects.filter(page__in=[p.pk for p in pages])
            .exclude(comment="")
            .order_by("-created_at")
            .values_list("page_id", "comment")
        ):
            if len(comments.setdefault(pk, [])) < 3:
                comments[pk].append(comment)
        for page in pages:
            page.latest_comments = comments.get(page.pk, [])
        return pages
