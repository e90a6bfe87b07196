"""Reading and validating import lines: everything is checked before a single
page is written, so a dry run finds every problem a real run would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from ...models import (
    ArticlePage,
    Audience,
    DocType,
    NewsPage,
    Visibility,
    normalise_error_codes,
)
from ...richtext import html_to_blocks

NEWS = "news"
ARTICLE_FIELDS = (
    "key",
    "lang",
    "title",
    "summary",
    "body_html",
    "product_line",
    "area",
    "doc_type",
    "audience",
    "published",
)
NEWS_FIELDS = ("key", "lang", "title", "summary", "body_html", "published")
SUMMARY_MAX = 600


class LineError(ValueError):
    """A line that cannot be imported; the message says why."""


@dataclass
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[LineProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def skipped(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def per_second(self) -> float:
        done = self.created + self.updated
        return done / self.seconds if self.seconds else 0.0


@dataclass
class ParsedLine:
    number: int
    key: str
    lang: str
    title: str
    summary: str
    blocks: list[dict]
    product_lines: list[str]
    area: str
    doc_type: str
    audience: str
    tags: list[str]
    published: date
    error_codes: list[str]
    visibility: str
    new_in_release: str
    last_reviewed: date | None
    related: list[str] = field(default_factory=list)

    @property
    def model(self):
        return NewsPage if self.doc_type == NEWS else ArticlePage


def _text(data: dict, name: str, *, max_length: int | None = None) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LineError(f'"{name}" must be a string')
    value = value.strip()
    if max_length and len(value) > max_length:
        raise LineError(f'"{name}" is longer than {max_length} characters')
    return value


def _date(data: dict, name: str) -> date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LineError(
            f'"{name}" must be a date (YYYY-MM-DD), not {value!r}'
        ) from None


def _string_list(data: dict, name: str, *, max_length: int = 100) -> list[str]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LineError(f'"{name}" must be a list of strings')
    result = []
    for item in value:
        item = item.strip()
        if len(item) > max_length:
            raise LineError(f'"{name}": "{item[:30]}…" is too long')
        if item and item.lower() not in (r.lower() for r in result):
            result.append(item)
    return result


def parse_line(text: str, number: int, languages: set[str]) -> ParsedLine | None:
    """Validate one line; None for a blank line, LineError for a bad one."""
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise LineError(f"invalid JSON ({error})") from None
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    doc_type = data.get("doc_type")
    is_news = doc_type == NEWS
    required = NEWS_FIELDS if is_news else ARTICLE_FIELDS
    if not is_news and "product_lines" in data and "product_line" not in data:
        required = tuple(name for name in required if name != "product_line")
    missing = [name for name in required if name not in data]
    if missing:
        raise LineError("missing field(s): " + ", ".join(missing))
    lang = _text(data, "lang")
    if lang not in languages:
        expected = ", ".join(sorted(languages))
        raise LineError(f"unknown language {lang!r} (expected one of {expected})")
    if doc_type not in {*DocType.values, NEWS}:
        raise LineError(f"unknown doc_type {doc_type!r}")
    audience = data.get("audience") or Audience.ALL
    if audience not in Audience.values:
        raise LineError(f"unknown audience {audience!r}")
    visibility = data.get("visibility") or Visibility.PUBLIC
    if visibility not in Visibility.values:
        raise LineError(f"unknown visibility {visibility!r}")
    key = _text(data, "key", max_length=255)
    title = _text(data, "title", max_length=255)
    if not key or not title:
        raise LineError('"key" and "title" must not be empty')
    lines = _string_list(data, "product_lines", max_length=120)
    single = _text(data, "product_line", max_length=120)
    if single and single.lower() not in (v.lower() for v in lines):
        lines.insert(0, single)
    if not lines and not is_news:
        raise LineError('"product_line" must not be empty')
    body_html = data.get("body_html")
    if not isinstance(body_html, str):
        raise LineError('"body_html" must be a string')
    summary = _text(data, "summary")
    if len(summary) > SUMMARY_MAX:
        summary = summary[: SUMMARY_MAX - 1].rstrip() + "…"
    published = _date(data, "published")
    if published is None:
        raise LineError('"published" must not be empty')
    error_codes = data.get("error_codes") or []
    if not isinstance(error_codes, (list, str)):
        raise LineError('"error_codes" must be a list of strings')
    return ParsedLine(
        number=number,
        key=key,
        lang=lang,
        title=title,
        summary=summary,
        blocks=html_to_blocks(body_html),
        product_lines=lines,
        area=_text(data, "area", max_length=120),
        doc_type=doc_type,
        audience=audience,
        tags=_string_list(data, "tags"),
        published=published,
        error_codes=normalise_error_codes(error_codes),
        visibility=visibility,
        new_in_release=_text(data, "new_in_release", max_length=40),
        last_reviewed=_date(data, "last_reviewed"),
        related=_string_list(data, "related", max_length=255),
    )
