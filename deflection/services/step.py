"""The first step of "New case" as two service calls: :func:`prepare_describe_step`
for the page and :func:`submit_describe_step` for the posted form ("Show
suggestions", "This solved my problem", "I still need help"). Each returns a
:class:`DescribeOutcome`; the view renders it or goes on, and does nothing
else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.throttle import rate_limit_wait, retry_message

from .. import conf
from ..forms import Action, DescribeForm
from .flow import (
    Flow,
    continue_to_case_form,
    end_flow,
    keep_step_log,
    load_flow,
    record_solved,
    remember_suggestions,
    save_flow,
)
from .suggestions import Suggestions, build_suggestions

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.datastructures import MultiValueDict

    from accounts.models import User


@dataclass(frozen=True)
class DescribeOutcome:
    """What became of the step.

    ``done``: the action carried out (``Action.SOLVED``: the visit ends;
    ``Action.CONTINUE``: on to the case form, prefilled; ``Action.SUGGEST``:
    back to the step, at its suggestions); the rest is then empty. Otherwise
    ("") the step comes back with ``form``, ``status`` (200, 400 to correct
    it, 429 refused by the rate limit) and the ``suggestions`` for what the
    visit described so far (None before the first search)."""

    flow: Flow
    form: DescribeForm | None = None
    suggestions: Suggestions | None = None
    status: int = 200
    done: str = ""


def _initial(query: Mapping[str, str], flow: Flow) -> dict:
    """The form as the customer left it, or as the product's Help menu opened
    it (``?product_line=&area=&subject=``)."""
    if flow.product_line or flow.description:
        return {
            "product_line": flow.product_line,
            "description": flow.description,
            "area": flow.area,
        }
    return {
        "product_line": query.get("product_line", "")[:60],
        "area": query.get("area", "")[:60],
        "description": query.get("subject", "")[:2000],
    }


def _shown(
    user: User,
    session: SessionBase,
    form: DescribeForm,
    flow: Flow,
    language: str,
    status: int = 200,
) -> DescribeOutcome:
    """The step as it comes back: once the visit searched, with the
    suggestions for its words, remembered in the flow."""
    suggestions = None
    if flow.searched:
        suggestions = build_suggestions(
            flow.description,
            lang=language,
            user=user,
            product_line=flow.product_line,
            codes=flow.codes,
        )
        remember_suggestions(flow, suggestions.articles)
        save_flow(session, flow)
    return DescribeOutcome(flow=flow, form=form, suggestions=suggestions, status=status)


def prepare_describe_step(
    user: User, session: SessionBase, query: Mapping[str, str], *, language: str
) -> DescribeOutcome:
    """The step for ``user`` (a customer's user) as the visit left it, with
    its suggestions in ``language``."""
    flow = load_flow(session)
    form = DescribeForm(customer=user.customer, initial=_initial(query, flow))
    return _shown(user, session, form, flow, language)


def submit_describe_step(
    user: User,
    session: SessionBase,
    data: Mapping,
    files: MultiValueDict,
    *,
    action: str,
    language: str,
) -> DescribeOutcome:
    """Handle the posted step of ``user`` (a customer's user).

    ``Action.SOLVED`` records a deflection and ends the visit (its kept log
    goes). Otherwise the description is checked; only a complete one counts
    against ``DEFLECTION_RATE`` (a search follows it). An error log is
    checked like the case form would and kept for it. ``Action.CONTINUE``
    hands everything to the case form; any other action searches."""
    flow = load_flow(session)
    if action == Action.SOLVED:
        flow.language = flow.language or language
        record_solved(flow)
        end_flow(user, session)
        return DescribeOutcome(flow=flow, done=Action.SOLVED)

    form = DescribeForm(data, files, customer=user.customer)
    if not form.is_valid():
        return _shown(user, session, form, flow, language, status=400)
    # Only a complete description counts: a search follows it.
    wait = rate_limit_wait("deflection_step", f"user:{user.pk}", *conf.RATE)
    if wait:
        form.add_error(None, retry_message(wait))
        return _shown(user, session, form, flow, language, status=429)
    flow.product_line = form.cleaned_data["product_line"].code
    flow.description = form.cleaned_data["description"]
    flow.area = form.cleaned_data["area"] or flow.area
    flow.language = language
    uploaded = form.cleaned_data.get("error_log")
    if uploaded:
        _report, errors = keep_step_log(user, session, flow, uploaded)
        if errors:
            for error in errors:
                form.add_error("error_log", error)
            flow.searched = True
            save_flow(session, flow)
            return _shown(user, session, form, flow, language, status=400)
    if action == Action.CONTINUE:
        continue_to_case_form(session, flow)
        save_flow(session, flow)
        return DescribeOutcome(flow=flow, done=Action.CONTINUE)
    flow.searched = True
    save_flow(session, flow)
    return DescribeOutcome(flow=flow, done=Action.SUGGEST)
