"""Views outside the page tree: entry points, "Was this helpful?"."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.throttle import client_ip, hit_rate_limit

from . import conf
from .forms import FeedbackForm
from .models import ArticlePage, KnowledgeBaseIndexPage, NewsIndexPage
from .permissions import can_view_article
from .services import localized_index_url, record_feedback


def _go(model):
    def view(request):
        url = localized_index_url(model, get_language(), request=request)
        if url is None:
            raise Http404
        return redirect(url)

    return view


go_index = _go(KnowledgeBaseIndexPage)
go_news = _go(NewsIndexPage)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def feedback(request, page_id: int):
    """Record "Was this helpful?" for an article, then go back to it (or answer
    JSON when the page's script posted with fetch)."""
    page = get_object_or_404(ArticlePage.objects.live(), pk=page_id)
    if not can_view_article(request.user, page):
        raise Http404
    back = page.get_url(request=request) + "#feedback"
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        message, status = _("Please choose Yes or No."), 400
    elif hit_rate_limit("kb-feedback", client_ip(request), *conf.FEEDBACK_RATE):
        message, status = _("Too many answers from your network; try later."), 429
    else:
        if not request.session.session_key:
            request.session.save()
        recorded = record_feedback(
            page=page,
            session_key=request.session.session_key,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
        message = (
            _("Thanks for your feedback!")
            if recorded
            else _("You have already answered for this article: thanks!")
        )
        status = 200
    if _wants_json(request):
        return JsonResponse({"message": message, "ok": status == 200}, status=status)
    if status == 200:
        messages.success(request, message)
    else:
        messages.error(request, message)
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = page.url
    return HttpResponseRedirect(back)
