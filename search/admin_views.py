"""The editors' "Search queries" report: per query and language, how often it
was searched, how often it found nothing, and how often a result was opened
(click-through rate). Filters: period, language, searches without results."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permissions import page_permission_policy

from .models import SearchLog
from .querylog import query_report

REPORT_PERMISSIONS = ["add", "change", "publish"]


class SearchLogFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Searched"), widget=DateRangePickerWidget
    )
    lang = django_filters.ChoiceFilter(
        label=_("Language"), choices=settings.LANGUAGES, empty_label=_("All")
    )
    no_results = django_filters.BooleanFilter(
        label=_("Only searches without results"),
        method="filter_no_results",
        widget=django_filters.widgets.BooleanWidget,
    )

    class Meta:
        model = SearchLog
        fields = ["created_at", "lang", "no_results"]

    def filter_no_results(self, queryset, name, value):
        if value:
            return queryset.filter(results=0)
        return queryset


class AverageColumn(Column):
    def get_value(self, instance):
        return f"{instance['average_results'] or 0:.1f}"


class PercentColumn(Column):
    def get_value(self, instance):
        return f"{round((instance['ctr'] or 0) * 100)} %"


class SearchQueryReportView(ReportView):
    page_title = _("Search queries")
    header_icon = "search"
    index_url_name = "search_query_report"
    index_results_url_name = "search_query_report_results"
    filterset_class = SearchLogFilterSet
    any_permission_required = REPORT_PERMISSIONS
    default_ordering = "-searches"
    list_export = [
        "query",
        "lang",
        "searches",
        "zero_results",
        "average_results",
        "total_clicks",
        "clicked_searches",
        "ctr",
    ]
    export_headings = {
        "query": _("Query"),
        "lang": _("Language"),
        "searches": _("Searches"),
        "zero_results": _("Without results"),
        "average_results": _("Average results"),
        "total_clicks": _("Clicks"),
        "clicked_searches": _("Searches with a click"),
        "ctr": _("Click-through rate"),
    }
    columns = [
        Column("query", label=_("Query"), sort_key="query"),
        Column("lang", label=_("Language"), sort_key="lang"),
        Column("searches", label=_("Searches"), sort_key="searches"),
        Column("zero_results", label=_("Without results"), sort_key="zero_results"),
        AverageColumn("average_results", label=_("Average results")),
        Column("total_clicks", label=_("Clicks"), sort_key="total_clicks"),
        PercentColumn("ctr", label=_("Click-through rate"), sort_key="ctr"),
    ]

    @cached_property
    def permission_policy(self):
        return page_permission_policy

    def get_queryset(self):
        return SearchLog.objects.all()

    def get_filtered_queryset(self):
        # Filter the searches first, then count them per query.
        entries = self.filter_queryset(self.get_queryset())
        report = query_report(entries)
        ordering = self.ordering or self.default_ordering
        return report.order_by(ordering, "query", "lang")
