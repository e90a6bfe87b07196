"""The first step of "New case" (describe → suggestions → solved or still need
help), the friendly end of a solved visit, and the tracked way to a suggested
article. Everything works without JavaScript; static/deflection/js/ only
fetches the same suggestions while the customer types."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.permissions import can_open_cases
from cases.uploads import streamed_uploads
from cases.views.common import visible_case_or_404

from .forms import Action
from .services import (
    DescribeOutcome,
    load_flow,
    prepare_describe_step,
    record_article_opened,
    save_flow,
    submit_describe_step,
)
from .services.drafts import DraftNotAllowed, NoKnowledgeBase, draft_article_from_case


def _forbidden(request):
    return render(
        request,
        "cases/forbidden.html",
        {"message": _("Only users of a customer company can open cases.")},
        status=403,
    )


def _render(request, outcome: DescribeOutcome):
    return render(
        request,
        "deflection/describe.html",
        {
            "form": outcome.form,
            "flow": outcome.flow,
            "suggestions": outcome.suggestions,
            "opened_keys": outcome.flow.opened_keys,
            "suggest_api": reverse("deflection_api:suggest"),
        },
        status=outcome.status,
    )


@login_required
@streamed_uploads
def describe(request):
    """GET: the step, with the suggestions for what was described so far.
    POST: "Show suggestions" (then back to GET), "This solved my problem" or
    "I still need help" (on to the case form, prefilled)."""
    if not can_open_cases(request.user):
        return _forbidden(request)
    if request.method != "POST":
        outcome = prepare_describe_step(
            request.user, request.session, request.GET, language=get_language()
        )
        return _render(request, outcome)
    outcome = submit_describe_step(
        request.user,
        request.session,
        request.POST,
        request.FILES,
        action=request.POST.get("action", Action.SUGGEST),
        language=get_language(),
    )
    if outcome.done == Action.SOLVED:
        return redirect("deflection:solved")
    if outcome.done == Action.CONTINUE:
        return redirect("cases:new")
    if outcome.done == Action.SUGGEST:
        return redirect(reverse("deflection:start") + "#suggestions")
    return _render(request, outcome)


@require_GET
def solved(request):
    """The friendly end of a visit that needed no case."""
    return render(request, "deflection/solved.html")


@login_required
@require_GET
def open_article(request):
    """Follow a suggestion: note that it was opened (for the case and the
    dashboard), then go to the article. Only articles this visit was shown
    are followed, so the URL cannot send anyone elsewhere."""
    flow = load_flow(request.session)
    key, lang = request.GET.get("key", ""), request.GET.get("lang", "")
    article = next(
        (
            item
            for item in flow.suggested
            if item["key"] == key and (not lang or item["lang"] == lang)
        ),
        None,
    )
    if article is None or not article.get("url"):
        raise Http404
    record_article_opened(flow, article)
    save_flow(request.session, flow)
    return redirect(article["url"])


def open_url(article) -> str:
    """The tracked link to a suggested article."""
    key = article["key"] if isinstance(article, dict) else article.key
    lang = article["lang"] if isinstance(article, dict) else article.lang
    return reverse("deflection:open") + "?" + urlencode({"key": key, "lang": lang})


@login_required
@require_POST
def draft_article(request, number):
    """One click on a resolved case: a redacted draft article for editors."""
    case = visible_case_or_404(request, number)
    try:
        page = draft_article_from_case(case, request.user)
    except DraftNotAllowed:
        return render(
            request,
            "cases/forbidden.html",
            {
                "message": _(
                    "Only a resolved case can become an article, by its partner."
                )
            },
            status=403,
        )
    except NoKnowledgeBase:
        messages.error(request, _("There is no knowledge base to put the draft in."))
        return redirect("cases:detail", number=case.number)
    if page.permissions_for_user(request.user).can_edit():
        return redirect("wagtailadmin_pages:edit", page.pk)
    messages.success(
        request,
        _("The draft article “%(title)s” is waiting for the editors' review.")
        % {"title": page.draft_title},
    )
    return redirect("cases:detail", number=case.number)
