from django import template

from ..models import ArticleDraft, CaseReading
from ..permissions import can_draft_article, can_see_reading

register = template.Library()


@register.simple_tag(takes_context=True)
def case_deflection(context, case) -> dict:
    """For the case page: what the customer read before asking (for the
    partner and staff only) and whether a draft article can be made."""
    user = context["request"].user
    if not can_see_reading(user, case):
        return {"visible": False}
    reading = CaseReading.objects.filter(case=case).first()
    draft = ArticleDraft.objects.filter(case=case).select_related("page").first()
    opened = {item.get("key") for item in (reading.opened if reading else [])}
    return {
        "visible": True,
        "reading": reading,
        "suggested": [
            {**item, "was_opened": item.get("key") in opened}
            for item in (reading.suggested if reading else [])
        ],
        "draft": draft,
        "can_draft": draft is None and can_draft_article(user, case),
    }
