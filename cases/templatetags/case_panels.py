"""``{% case_page_panels as panels %}``: the panels other apps registered for
the case page (cases.panels), and ``{% case_step_url name %}``: a URL
named in the cases settings, or nothing when it is not set or not mounted."""

from django import template
from django.urls import NoReverseMatch, reverse

from .. import conf
from ..panels import CasePanel
from ..panels import case_page_panels as registered_panels

register = template.Library()


@register.simple_tag
def case_page_panels() -> list[CasePanel]:
    return registered_panels()


@register.simple_tag
def case_setting_url(name: str) -> str:
    """The URL of the URL name in the cases setting ``name`` (e.g.
    ``LOG_CHECK_URL``), or "" when it is empty or not mounted."""
    url_name = getattr(conf, name)
    if not url_name:
        return ""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return ""
