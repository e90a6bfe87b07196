"""The Wagtail admin dashboard: deflection rate per week and per product line
(SVG charts drawn here), the articles that deflect most, content gaps, and
the CSV export."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .charts import rate_chart
from .permissions import can_view_dashboard
from .services import dashboard

PERIODS = {"4": 4, "12": 12, "52": 52, "all": None}


def _weeks(request) -> tuple[str, int | None]:
    period = request.GET.get("weeks", "12")
    if period not in PERIODS:
        period = "12"
    return period, PERIODS[period]


def dashboard_view(request):
    if not can_view_dashboard(request.user):
        raise PermissionDenied
    period, weeks = _weeks(request)
    lines = dashboard.line_names()
    by_week = dashboard.rate_by_week(weeks)
    by_line = dashboard.rate_by_product_line(weeks)
    return render(
        request,
        "deflection/admin/dashboard.html",
        {
            "page_title": _("Deflection"),
            "header_icon": "help",
            "period": period,
            "periods": [
                ("4", _("4 weeks")),
                ("12", _("12 weeks")),
                ("52", _("1 year")),
                ("all", _("All time")),
            ],
            "overall": dashboard.overall_rate(weeks),
            "by_week": by_week,
            "by_line": by_line,
            "by_line_named": [
                (row, lines.get(row.label, row.label)) for row in by_line
            ],
            "week_chart": rate_chart(by_week, _("Deflection rate per week")),
            "line_chart": rate_chart(
                by_line, _("Deflection rate per product line"), lines
            ),
            "top_articles": dashboard.top_deflecting_articles(weeks),
            "gaps": dashboard.content_gaps(weeks),
        },
    )


def export_view(request):
    if not can_view_dashboard(request.user):
        raise PermissionDenied
    _period, weeks = _weeks(request)
    response = HttpResponse(
        dashboard.export_csv(weeks), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="deflection-{stamp}.csv"'
    return response
