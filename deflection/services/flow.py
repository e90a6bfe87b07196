"""The first step of "New case" as a small state kept in the session, and the
events it records.

The state (:class:`Flow`) lives under ``SESSION_FLOW``: the product line and
words the customer gave, the codes of an attached log, the articles suggested
and opened. Events carry only the flow's random id, never the user, the text
or the company.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, field

from django.db import transaction

from cases.models import AttachmentKind
from cases.services import (
    clear_case_form_prefill,
    discard_pending_uploads,
    forget_upload_token,
    hand_over_to_case_form,
    pending_uploads_for,
    remember_upload_token,
)

from ..logs import LogReport, parse_error_log
from ..models import CaseReading, DeflectionEvent, EventKind
from .suggestions import SuggestedArticle, suggest_articles, suggestion_language

logger = logging.getLogger(__name__)

SESSION_FLOW = "deflection_flow"
MAX_REMEMBERED = 20


@dataclass
class Flow:
    """One customer's way through the first step (kept in the session)."""

    sid: str = field(default_factory=lambda: secrets.token_hex(12))
    product_line: str = ""
    area: str = ""
    description: str = ""
    language: str = ""
    codes: list[str] = field(default_factory=list)
    log_name: str = ""
    upload_token: str = ""
    suggested: list[dict] = field(default_factory=list)
    opened: list[dict] = field(default_factory=list)
    shown_recorded: bool = False
    searched: bool = False

    @property
    def opened_keys(self) -> list[str]:
        return [item["key"] for item in self.opened]

    @property
    def suggested_keys(self) -> list[str]:
        return [item["key"] for item in self.suggested]


def load_flow(session) -> Flow:
    """The session's flow, or a new one (not saved until :func:`save_flow`)."""
    data = session.get(SESSION_FLOW)
    if isinstance(data, dict):
        try:
            return Flow(**data)
        except TypeError:
            logger.info("discarding a deflection flow of an older shape")
    return Flow()


def save_flow(session, flow: Flow) -> None:
    flow.suggested = flow.suggested[-MAX_REMEMBERED:]
    flow.opened = flow.opened[-MAX_REMEMBERED:]
    session[SESSION_FLOW] = asdict(flow)


def forget_flow(session) -> dict | None:
    """Forget the flow and what it handed to the case form; the flow's data."""
    data = session.pop(SESSION_FLOW, None)
    clear_case_form_prefill(session)
    return data


def end_flow(user, session, *, keep_uploads: bool = False) -> None:
    """Forget the flow; its kept log goes too unless the case form took it."""
    data = forget_flow(session)
    if keep_uploads or not isinstance(data, dict) or not data.get("upload_token"):
        return
    token = data["upload_token"]
    kept = pending_uploads_for(user, token)
    discard_pending_uploads(user, token, [p.pk for p in kept])
    forget_upload_token(session, token)


def record_event(
    kind: str, flow: Flow, *, article_key: str = "", area: str | None = None
) -> DeflectionEvent:
    """Store one anonymous event of ``flow``."""
    return DeflectionEvent.objects.create(
        kind=kind,
        session_id=flow.sid,
        product_line=flow.product_line,
        area=flow.area if area is None else area,
        language=flow.language,
        article_key=article_key[:255],
    )


def remember_suggestions(flow: Flow, articles: list[SuggestedArticle]) -> None:
    """Note what was shown; the first time a visit sees suggestions it
    counts as one "suggestions shown" event (typing does not inflate it)."""
    known = set(flow.suggested_keys)
    for article in articles:
        if article.key not in known:
            known.add(article.key)
            flow.suggested.append(
                {
                    "key": article.key,
                    "lang": article.lang,
                    "title": article.title,
                    "url": article.url,
                }
            )
    if articles and not flow.shown_recorded:
        flow.shown_recorded = True
        record_event(EventKind.SHOWN, flow)


def record_article_opened(flow: Flow, article: dict) -> None:
    """The customer followed a suggestion to ``article``."""
    if article["key"] not in flow.opened_keys:
        flow.opened.append(article)
    record_event(EventKind.OPENED, flow, article_key=article["key"])


def record_solved(flow: Flow) -> DeflectionEvent:
    """ "This solved my problem": a deflection, credited to the article opened
    last (if any)."""
    article_key = flow.opened[-1]["key"] if flow.opened else ""
    return record_event(EventKind.SOLVED, flow, article_key=article_key)


def attach_log_report(flow: Flow, name: str, report: LogReport) -> None:
    flow.log_name = name
    flow.codes = report.codes


def read_log_codes(file) -> LogReport:
    """The codes of an uploaded error log, from its start whatever was read
    of it before."""
    try:
        file.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    report = parse_error_log(file)
    try:
        file.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    return report


@dataclass(frozen=True)
class LogSuggestions:
    """An error log's report and the articles that list its codes."""

    report: LogReport
    articles: list[SuggestedArticle]


def suggest_for_log(
    request, file, product_line: str = "", *, lang: str = ""
) -> LogSuggestions:
    """The articles (in ``lang``, readable by ``request.user``) that list the
    error codes of ``file``, an error log the customer chose: at the first
    step's API or in the case form. They are remembered in the visit's flow,
    so that the case records them as suggested before it was sent."""
    report = read_log_codes(file)
    lang = suggestion_language(lang)
    articles = (
        suggest_articles(
            "",
            lang=lang,
            user=request.user,
            product_line=product_line,
            codes=report.codes,
        )
        if report.codes
        else []
    )
    flow = load_flow(request.session)
    flow.language = flow.language or lang
    flow.product_line = flow.product_line or product_line
    remember_suggestions(flow, articles)
    flow.codes = list(dict.fromkeys([*flow.codes, *report.codes]))
    save_flow(request.session, flow)
    return LogSuggestions(report=report, articles=articles)


@transaction.atomic
def record_case_reading(case, flow: Flow | None) -> CaseReading:
    """After ``case`` was submitted: store what its customer was shown and
    opened at the first step, the codes of its error log, and a "case
    submitted" event."""
    flow = flow or Flow()
    codes = list(flow.codes)
    for attachment in case.attachments.filter(kind=AttachmentKind.ERROR_LOG):
        try:
            with attachment.file.open("rb") as handle:
                codes += parse_error_log(handle).codes
        except OSError as error:
            logger.warning("case %s: error log unreadable: %s", case.number, error)
    values = {
        "session_id": flow.sid,
        "description": flow.description,
        "suggested": flow.suggested,
        "opened": flow.opened,
        "opened_count": len(flow.opened),
        "error_codes": list(dict.fromkeys(codes)),
    }
    # One INSERT … ON CONFLICT statement (the case is new: there is nothing to
    # update unless the signal came twice), where update_or_create would read,
    # then insert in a savepoint.
    (reading,) = CaseReading.objects.bulk_create(
        [CaseReading(case=case, **values)],
        update_conflicts=True,
        unique_fields=["case"],
        update_fields=list(values),
    )
    flow.product_line = case.product_line.code
    record_event(EventKind.SUBMITTED, flow, area=case.area.code)
    return reading


# The step's log and the way on to the case form ------------------------------------


def keep_step_log(
    user, session, flow: Flow, uploaded
) -> tuple[LogReport | None, list[str]]:
    """Check an error log attached at the first step like the case form
    would, read its codes, and keep it for the case form (so that the customer
    need not choose it again). Returns the report, or None and the reasons it
    was refused."""
    from django.core.exceptions import ValidationError

    from cases.attachments import check_upload
    from cases.services import IncomingFile, keep_pending_uploads

    try:
        checked = check_upload(uploaded, AttachmentKind.ERROR_LOG)
    except ValidationError as error:
        return None, list(error.messages)
    report = read_log_codes(uploaded)
    token = flow.upload_token or secrets.token_urlsafe(24)
    keep_pending_uploads(
        user,
        token,
        [
            IncomingFile(
                kind=AttachmentKind.ERROR_LOG,
                file=uploaded,
                checked=checked,
                sha256=getattr(uploaded, "sha256", ""),
            )
        ],
    )
    flow.upload_token = token
    remember_upload_token(session, token)
    attach_log_report(flow, checked.name, report)
    return report, []


def subject_from(description: str) -> str:
    """A subject line from the description: its first sentence, cut at a word
    boundary to fit the 200 characters of the field."""
    text = " ".join((description or "").split())
    for mark in (". ", "? ", "! ", "\n"):
        if mark in text:
            text = text.split(mark, 1)[0]
    if len(text) <= 200:
        return text.rstrip(".")
    return text[:197].rsplit(" ", 1)[0] + "…"


def continue_to_case_form(session, flow: Flow) -> dict:
    """ "I still need help": hand what the customer typed (and the kept log) to
    the case form, which will not send them back to this step again."""
    prefill = hand_over_to_case_form(
        session,
        product_line=flow.product_line,
        area=flow.area,
        subject=subject_from(flow.description),
        request=flow.description,
        upload_token=flow.upload_token,
    )
    record_event(EventKind.CONTINUED, flow)
    return prefill
