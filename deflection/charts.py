"""Bar charts drawn by the portal as inline SVG (no script, no CDN)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .services.dashboard import RateRow

WIDTH = 640
BAR_AREA = 200
LABEL_SPACE = 60


def rate_chart(
    rows: list[RateRow], title: str, label_names: dict | None = None
) -> SafeString:
    """Deflection rate per row as vertical bars (0–100 %), each labelled with
    its rate and solved/total; accessible through its title and a summary."""
    label_names = label_names or {}
    if not rows:
        return format_html(
            '<p class="help">{}</p>', _("No outcomes recorded in this period.")
        )
    slot = max(24, min(80, (WIDTH - 40) // len(rows)))
    width = max(WIDTH, 40 + slot * len(rows))
    height = BAR_AREA + LABEL_SPACE + 30
    bars = []
    for index, row in enumerate(rows):
        rate = row.rate or 0.0
        bar_height = round(rate * BAR_AREA)
        x = 40 + index * slot
        y = 20 + BAR_AREA - bar_height
        name = label_names.get(row.label, row.label)
        bars.append(
            (
                x + 4,
                y,
                slot - 8,
                bar_height,
                f"{name}: {rate:.0%} ({row.solved}/{row.total})",
                x + slot // 2,
                y - 4,
                f"{rate:.0%}",
                x + slot // 2,
                20 + BAR_AREA + 16,
                name[:12],
            )
        )
    body = format_html_join(
        "",
        '<g><rect x="{}" y="{}" width="{}" height="{}" fill="#2e6da4">'
        "<title>{}</title></rect>"
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text></g>',
        bars,
    )
    summary = "; ".join(
        f"{label_names.get(r.label, r.label)} {(r.rate or 0):.0%}" for r in rows
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="deflection-chart" '
        'width="{}" height="{}" viewBox="0 0 {} {}" aria-label="{}">'
        "<title>{}</title>"
        '<line x1="36" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<text x="2" y="24" font-size="11">100%</text>'
        '<text x="2" y="{}" font-size="11">0%</text>'
        "{}</svg>",
        width,
        height,
        width,
        height,
        f"{title}: {summary}",
        title,
        20 + BAR_AREA,
        width,
        20 + BAR_AREA,
        20 + BAR_AREA,
        body,
    )
