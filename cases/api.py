"""The JSON API the product's Help menu uses: open a case with its files, follow
the company's cases, list product lines and areas.

Authentication: ``Authorization: Bearer <token>`` (per installation, see
``cases.tokens``). Language: ``?lang=`` or ``Accept-Language``. Errors are JSON:
``{"error": ...}`` or, for invalid fields, ``{"errors": {field: [messages]}}``.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt

from core.throttle import client_ip, hit_rate_limit
from taxonomy.models import Area

from . import conf
from .forms import ApiCaseForm, product_lines_for
from .models import Case, Status
from .notifications import case_url
from .services import submit_case
from .tokens import authenticate_api_token
from .uploads import (
    CappedTemporaryFileUploadHandler,
    UnreadableFileName,
    read_form_data,
)

API_PAGE_SIZE = 50


def request_language(request) -> str:
    """``?lang=`` if it is a portal language, else the best Accept-Language."""
    codes = [code for code, _name in settings.LANGUAGES]
    wanted = (request.GET.get("lang") or "").split("-")[0].lower()
    if wanted in codes:
        return wanted
    return translation.get_language_from_request(request, check_path=False)


def error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="sportello"'
    return response


def _bearer(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def api_view(methods: set[str], token_required: bool = True):
    """JSON view: language, method check, bearer token (``request.api_token``),
    rate limit per token or address, capped streaming uploads; no CSRF, as no
    cookie authenticates these requests; ``Cache-Control: private, no-store``,
    as the answers hold a company's cases."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            # See cases.api_root_urls: a JSON 404 must stay a 404.
            request.urlconf = "cases.api_root_urls"
            with translation.override(request_language(request)):
                if request.method not in methods:
                    response = error(405, _("Method not allowed."))
                    response["Allow"] = ", ".join(sorted(methods))
                    return response
                raw = _bearer(request)
                request.api_token = authenticate_api_token(raw) if raw else None
                if request.api_token is None and (token_required or raw):
                    return error(401, _("A valid API token is required."))
                key = (
                    f"token:{request.api_token.pk}"
                    if request.api_token
                    else f"ip:{client_ip(request)}"
                )
                if hit_rate_limit("cases_api", key, *conf.API_RATE):
                    return error(429, _("Too many requests: try again later."))
                request.upload_handlers = [CappedTemporaryFileUploadHandler(request)]
                return view(request, *args, **kwargs)

        return csrf_exempt(cache_control(private=True, no_store=True)(wrapper))

    return decorator


def case_summary(case: Case, language: str) -> dict:
    return {
        "number": case.number,
        "url": case_url(case, language),
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "urgency": case.urgency,
        "subject": case.subject,
        "product_line": case.product_line.code,
        "area": case.area.code,
        "assigned_to": case.assigned_partner.name if case.assigned_partner else None,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "overdue": case.is_overdue,
    }


def case_document(case: Case, language: str) -> dict:
    data = case_summary(case, language)
    data.update(
        {
            "request": case.request,
            "notify_email": case.notify_email,
            "notify_mobile": case.notify_mobile,
            "auto_notify": case.auto_notify,
            "product_line_name": case.product_line.name,
            "area_name": case.area.name,
            "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "attachments": [
                {
                    "name": attachment.name,
                    "kind": attachment.kind,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                }
                for attachment in case.attachments.filter(
                    message__isnull=True
                ).order_by("pk")
            ],
            "messages": [
                {
                    "author": message.author_name,
                    "role": message.role,
                    "body": message.body,
                    "created_at": message.created_at.isoformat(),
                    "attachments": [
                        {"name": a.name, "size": a.size, "sha256": a.sha256}
                        for a in message.attachments.all()
                    ],
                }
                # Internal notes never leave the partner desk.
                for message in case.messages.filter(is_internal=False)
                .prefetch_related("attachments")
                .order_by("created_at", "pk")
            ],
            "history": [
                {
                    "event": event.kind,
                    "from": event.from_value,
                    "to": event.to_value,
                    "by": event.actor_name,
                    "at": event.created_at.isoformat(),
                }
                for event in case.events.order_by("created_at", "pk")
            ],
        }
    )
    return data


@api_view({"GET", "POST"})
def cases_endpoint(request):
    if request.method == "POST":
        return create_case(request)
    return list_cases(request)


def create_case(request):
    token = request.api_token
    language = translation.get_language()
    try:
        data, files = read_form_data(request)
    except UnreadableFileName as problem:
        # Django's parser would drop the file and the case would open without
        # it: the client must hear that its file did not arrive.
        message = _(
            "The name of a file sent as “%(field)s” could not be read: send file "
            "names in UTF-8. No case was opened."
        ) % {"field": problem.field}
        return JsonResponse(
            {"errors": {problem.field or "attachments": [message]}}, status=400
        )
    except (TooManyFilesSent, TooManyFieldsSent):
        # Django's own limits (DATA_UPLOAD_MAX_NUMBER_FILES / _FIELDS), which
        # it would answer with its HTML 400 page.
        return error(
            400,
            _(
                "The request holds more files or fields than the portal accepts "
                "at once (at most %(files)d files). No case was opened."
            )
            % {"files": settings.DATA_UPLOAD_MAX_NUMBER_FILES or 0},
        )
    except RequestDataTooBig:
        return error(
            413,
            _(
                "The request's text fields are too large (files are not "
                "counted). No case was opened."
            ),
        )
    except MultiPartParserError:
        # Django would answer with its HTML 400 page: a client of this API
        # reads JSON (e.g. a multipart request sent without its boundary).
        return error(
            400,
            _(
                "The request body could not be read as a form: send it as "
                "multipart/form-data with a boundary, or as "
                "application/x-www-form-urlencoded."
            ),
        )
    form = ApiCaseForm(data, files, customer=token.customer)
    if not form.is_valid():
        return JsonResponse(
            {"errors": {field: list(errors) for field, errors in form.errors.items()}},
            status=400,
        )
    # Counted once valid: only a case that would open uses up the limit.
    if hit_rate_limit("case_create", f"token:{token.pk}", *conf.CREATE_RATE):
        return error(429, _("Too many cases opened: try again later."))
    case = submit_case(form.draft(language), form.accepted_files)
    return JsonResponse(
        {
            "number": case.number,
            "url": case_url(case, language),
            "status": case.status,
            "assigned_to": case.assigned_partner.name
            if case.assigned_partner
            else None,
        },
        status=201,
    )


LIST_SCOPES = ("open", "resolved", "all")


def list_cases(request):
    """The token's company's cases, newest first; ``?status=open|resolved|all``
    or a status code, ``?q=`` text search, ``?page=``. An unknown status or a page
    that is not a number is a 400, a page past the last a 404: answering with
    every case, or with page 1, would look like a valid answer."""
    language = translation.get_language()
    cases = Case.objects.filter(customer=request.api_token.customer).select_related(
        "product_line", "area", "assigned_partner"
    )
    scope = request.GET.get("status", "all")
    if scope == "open":
        cases = cases.open()
    elif scope == "resolved":
        cases = cases.resolved()
    elif scope in Status.values:
        cases = cases.filter(status=scope)
    elif scope != "all":
        choices = ", ".join(dict.fromkeys([*LIST_SCOPES, *Status.values]))
        message = _("Unknown status “%(value)s”: use one of %(choices)s.") % {
            "value": scope,
            "choices": choices,
        }
        return JsonResponse({"errors": {"status": [message]}}, status=400)
    cases = cases.search(request.GET.get("q", ""))
    paginator = Paginator(cases, API_PAGE_SIZE)
    number = request.GET.get("page") or "1"
    try:
        page = paginator.page(number)
    except (PageNotAnInteger, EmptyPage) as problem:
        if isinstance(problem, EmptyPage) and int(number) >= 1:
            message = _("There is no page %(page)s: the last page is %(pages)s.")
            return error(404, message % {"page": number, "pages": paginator.num_pages})
        message = _("The page must be a whole number from 1.")
        return JsonResponse({"errors": {"page": [message]}}, status=400)
    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": [case_summary(case, language) for case in page],
        }
    )


@api_view({"GET"})
def case_endpoint(request, number):
    case = (
        Case.objects.filter(customer=request.api_token.customer, number=number)
        .select_related("product_line", "area", "assigned_partner")
        .first()
    )
    if case is None:
        return error(404, _("No such case."))
    return JsonResponse(case_document(case, translation.get_language()))


@api_view({"GET"}, token_required=False)
def product_lines_endpoint(request):
    """Product lines and their areas, names in the request's language. With a
    token: the lines the company licenses; without: every active line."""
    customer = request.api_token.customer if request.api_token else None
    lines = list(product_lines_for(customer))
    areas = (
        Area.objects.active()
        .filter(product_line__in=lines)
        .order_by("sort_order", "code")
    )
    by_line: dict[int, list] = {}
    for area in areas:
        by_line.setdefault(area.product_line_id, []).append(
            {"code": area.code, "name": area.name}
        )
    return JsonResponse(
        {
            "language": translation.get_language(),
            "results": [
                {
                    "code": line.code,
                    "name": line.name,
                    "areas": by_line.get(line.pk, []),
                }
                for line in lines
            ],
        }
    )


@csrf_exempt
def not_found(request, path=""):
    """Any other address under /api/: a JSON 404, not the portal's page."""
    request.urlconf = "cases.api_root_urls"
    with translation.override(request_language(request)):
        return error(404, _("No such API endpoint."))
