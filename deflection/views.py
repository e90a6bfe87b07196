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
from core.throttle import rate_limit_wait, retry_message

from . import conf
from .forms import Action, DescribeForm
from .services import (
    build_suggestions,
    continue_to_case_form,
    end_flow,
    keep_step_log,
    load_flow,
    record_article_opened,
    record_solved,
    remember_suggestions,
    save_flow,
)
from .services.drafts import DraftNotAllowed, NoKnowledgeBase, draft_article_from_case


def _forbidden(request):
    return render(
        request,
        "cases/forbidden.html",
        {"message": _("Only users of a customer company can open cases.")},
        status=403,
    )


def _initial(request, flow) -> dict:
    """The form as the customer left it, or as the product's Help menu opened
    it (``?product_line=&area=&subject=``)."""
    if flow.product_line or flow.description:
        return {
            "product_line": flow.product_line,
            "description": flow.description,
            "area": flow.area,
        }
    return {
        "product_line": request.GET.get("product_line", "")[:60],
        "area": request.GET.get("area", "")[:60],
        "description": request.GET.get("subject", "")[:2000],
    }


def _render(request, form, flow, status=200):
    suggestions = None
    if flow.searched:
        suggestions = build_suggestions(
            flow.description,
            lang=get_language(),
            user=request.user,
            product_line=flow.product_line,
            codes=flow.codes,
        )
        remember_suggestions(flow, suggestions.articles)
        save_flow(request.session, flow)
    return render(
        request,
        "deflection/describe.html",
        {
            "form": form,
            "flow": flow,
            "suggestions": suggestions,
            "opened_keys": flow.opened_keys,
            "suggest_api": reverse("deflection_api:suggest"),
        },
        status=status,
    )


@login_required
@streamed_uploads
def describe(request):
    """GET: the step, with the suggestions for what was described so far.
    POST: "Show suggestions" (then back to GET), "This solved my problem" or
    "I still need help" (on to the case form, prefilled)."""
    if not can_open_cases(request.user):
        return _forbidden(request)
    customer = request.user.customer
    flow = load_flow(request.session)
    if request.method != "POST":
        form = DescribeForm(customer=customer, initial=_initial(request, flow))
        return _render(request, form, flow)

    action = request.POST.get("action", Action.SUGGEST)
    if action == Action.SOLVED:
        flow.language = flow.language or get_language()
        record_solved(flow)
        end_flow(request)
        return redirect("deflection:solved")

    form = DescribeForm(request.POST, request.FILES, customer=customer)
    if not form.is_valid():
        return _render(request, form, flow, status=400)
    # Only a complete description counts: a search follows it.
    wait = rate_limit_wait("deflection_step", f"user:{request.user.pk}", *conf.RATE)
    if wait:
        form.add_error(None, retry_message(wait))
        return _render(request, form, flow, status=429)
    flow.product_line = form.cleaned_data["product_line"].code
    flow.description = form.cleaned_data["description"]
    flow.area = form.cleaned_data["area"] or flow.area
    flow.language = get_language()
    uploaded = form.cleaned_data.get("error_log")
    if uploaded:
        report, errors = keep_step_log(request, flow, uploaded)
        if errors:
            for error in errors:
                form.add_error("error_log", error)
            flow.searched = True
            save_flow(request.session, flow)
            return _render(request, form, flow, status=400)
    if action == Action.CONTINUE:
        continue_to_case_form(request, flow)
        save_flow(request.session, flow)
        return redirect("cases:new")
    flow.searched = True
    save_flow(request.session, flow)
    return redirect(reverse("deflection:start") + "#suggestions")


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
