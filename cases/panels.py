"""Panels other apps add to the case page, below the case's own sections.

Cases knows no other app: an app that has something to show about a case
(remote assistance sessions, what the customer read before asking) registers
a panel in its ``wagtail_hooks.py``, as Wagtail's own extension points do::

    from wagtail import hooks
    from cases.panels import CASE_PAGE_PANELS, CasePanel

    @hooks.register(CASE_PAGE_PANELS)
    def remote_panel():
        return CasePanel("remote/includes/case_sessions.html", order=100)

The template is included with the page's context (``case``, ``request``,
``user``...) and decides itself whether it shows anything to this reader.
Panels come in ``order``, then by template name.
"""

from __future__ import annotations

from dataclasses import dataclass

from wagtail import hooks

#: The hook name apps register their case-page panels under.
CASE_PAGE_PANELS = "cases_case_page_panels"


@dataclass(frozen=True)
class CasePanel:
    template: str
    order: int = 100


def case_page_panels() -> list[CasePanel]:
    """The registered panels, in order."""
    panels = [panel for hook in hooks.get_hooks(CASE_PAGE_PANELS) if (panel := hook())]
    return sorted(panels, key=lambda panel: (panel.order, panel.template))
