"""The dashboard's figures, all computed from the recorded events and case
readings: deflection rate = solved ÷ (solved + submitted)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.redaction import redact_text
from kb.models import ArticlePage
from taxonomy.models import Area, ProductLine

from ..models import CaseReading, DeflectionEvent, EventKind
from ..redaction import identifiers_of_case


@dataclass(frozen=True)
class RateRow:
    """Solved and submitted for one week or one product line."""

    label: str
    solved: int
    submitted: int

    @property
    def total(self) -> int:
        return self.solved + self.submitted

    @property
    def rate(self) -> float | None:
        return self.solved / self.total if self.total else None


@dataclass
class GapGroup:
    product_line: str
    area: str
    count: int
    samples: list[str] = field(default_factory=list)


def _since(weeks: int | None, now: datetime | None = None) -> datetime | None:
    if not weeks:
        return None
    return (now or timezone.now()) - timedelta(weeks=weeks)


def _outcomes(since: datetime | None):
    events = DeflectionEvent.objects.filter(
        kind__in=[EventKind.SOLVED, EventKind.SUBMITTED]
    )
    if since is not None:
        events = events.filter(created_at__gte=since)
    return events


def _counts():
    return {
        "solved": Count("pk", filter=Q(kind=EventKind.SOLVED)),
        "submitted": Count("pk", filter=Q(kind=EventKind.SUBMITTED)),
    }


def rate_by_week(weeks: int | None = 12) -> list[RateRow]:
    """One row per week (Monday) that had an outcome, oldest first."""
    rows = (
        _outcomes(_since(weeks))
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(**_counts())
        .order_by("week")
    )
    result = []
    for row in rows:
        week = row["week"]
        label = (week.date() if isinstance(week, datetime) else week).isoformat()
        result.append(RateRow(label, row["solved"], row["submitted"]))
    return result


def rate_by_product_line(weeks: int | None = 12) -> list[RateRow]:
    """One row per product line (code), most outcomes first."""
    rows = (
        _outcomes(_since(weeks))
        .values("product_line")
        .annotate(**_counts())
        .order_by("product_line")
    )
    result = [
        RateRow(row["product_line"] or "-", row["solved"], row["submitted"])
        for row in rows
    ]
    return sorted(result, key=lambda row: -row.total)


def overall_rate(weeks: int | None = 12) -> RateRow:
    counts = _outcomes(_since(weeks)).aggregate(**_counts())
    return RateRow("all", counts["solved"], counts["submitted"])


def top_deflecting_articles(weeks: int | None = 12, limit: int = 10) -> list[dict]:
    """The articles opened last before "This solved my problem", most first."""
    rows = (
        _outcomes(_since(weeks))
        .filter(kind=EventKind.SOLVED)
        .exclude(article_key="")
        .values("article_key")
        .annotate(solved=Count("pk"))
        .order_by("-solved", "article_key")[:limit]
    )
    rows = list(rows)
    titles = {}
    for key, title, pk in ArticlePage.objects.filter(
        import_key__in=[row["article_key"] for row in rows]
    ).values_list("import_key", "title", "pk"):
        titles.setdefault(key, (title, pk))
    return [
        {
            "key": row["article_key"],
            "solved": row["solved"],
            "title": titles.get(row["article_key"], (row["article_key"], None))[0],
            "page_id": titles.get(row["article_key"], (None, None))[1],
        }
        for row in rows
    ]


def content_gaps(weeks: int | None = 12, samples: int = 5) -> list[GapGroup]:
    """Cases whose customer opened no suggestion first, by product line and
    area, with a few of their descriptions (redacted): what the knowledge
    base does not answer yet."""
    readings = CaseReading.objects.filter(opened_count=0).select_related(
        "case__product_line", "case__area", "case__customer", "case__reporter"
    )
    since = _since(weeks)
    if since is not None:
        readings = readings.filter(created_at__gte=since)
    groups: dict[tuple[str, str], GapGroup] = {}
    for reading in readings.order_by("-created_at"):
        case = reading.case
        key = (case.product_line.code, case.area.code)
        group = groups.setdefault(
            key, GapGroup(case.product_line.name, case.area.name, 0)
        )
        group.count += 1
        if len(group.samples) < samples:
            names, codes = identifiers_of_case(case)
            text = reading.description or case.subject
            group.samples.append(redact_text(text[:300], names=names, codes=codes))
    return sorted(groups.values(), key=lambda group: -group.count)


def line_names() -> dict[str, str]:
    return {line.code: line.name for line in ProductLine.objects.all()}


def area_names() -> dict[str, str]:
    return {area.code: area.name for area in Area.objects.all()}


def export_csv(weeks: int | None = None) -> str:
    """Weekly outcomes per product line and area: week, product line, area,
    suggestions shown, articles opened, solved, continued, submitted, rate."""
    events = DeflectionEvent.objects.all()
    since = _since(weeks)
    if since is not None:
        events = events.filter(created_at__gte=since)
    rows = (
        events.annotate(week=TruncWeek("created_at"))
        .values("week", "product_line", "area", "kind")
        .annotate(n=Count("pk"))
        .order_by("week", "product_line", "area")
    )
    table: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        week = row["week"]
        week = week.date() if isinstance(week, datetime) else week
        table[(week, row["product_line"], row["area"])][row["kind"]] += row["n"]
    out = io.StringIO()
    writer = csv.writer(out)
    kinds = [kind.value for kind in EventKind]
    writer.writerow(["week", "product_line", "area", *kinds, "deflection_rate"])
    for (week, line, area), counts in sorted(table.items(), key=_sort_key):
        outcome = counts[EventKind.SOLVED] + counts[EventKind.SUBMITTED]
        rate = f"{counts[EventKind.SOLVED] / outcome:.3f}" if outcome else ""
        writer.writerow(
            [week.isoformat(), line, area, *(counts[k] for k in kinds), rate]
        )
    return out.getvalue()


def _sort_key(item) -> tuple:
    (week, line, area), _counts_ = item
    return (week or date.min, line, area)
