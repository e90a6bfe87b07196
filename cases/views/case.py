"""The case page and what can be done on it: messages, status, reassignment,
edits, downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..attachments import download_disposition
from ..forms import AssignForm, CaseEditForm, MessageForm, StatusForm
from ..models import CaseAttachment, Status
from ..permissions import (
    allowed_statuses,
    can_add_message,
    can_edit_case,
    can_reassign,
    can_see_internal,
    can_view_attachment,
    can_view_case,
    can_work_case,
    is_case_staff,
)
from ..services import (
    CaseNotEditable,
    TransitionNotAllowed,
    add_case_message,
    assign_case,
    transition_case,
    update_case,
)
from ..uploads import streamed_uploads
from .common import private_page, visible_case_or_404


def _case_context(request, case, message_form=None, status_form=None, assign_form=None):
    user = request.user
    internal = can_see_internal(user, case)
    thread = case.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=CaseAttachment.objects.order_by("pk"))
    )
    if not internal:
        thread = thread.filter(is_internal=False)
    statuses = allowed_statuses(user, case)
    context = {
        "case": case,
        "thread": thread,
        "case_files": case.attachments.filter(message__isnull=True),
        "events": case.events.all(),
        "can_edit": can_edit_case(user, case),
        "can_work": can_work_case(user, case),
        "is_staff_view": is_case_staff(user),
        "statuses": statuses,
        "can_close": Status.CLOSED in statuses,
        "can_reopen": case.status == Status.RESOLVED and Status.IN_PROGRESS in statuses,
    }
    if can_add_message(user, case):
        context["message_form"] = message_form or MessageForm(allow_internal=internal)
    if statuses and can_work_case(user, case):
        context["status_form"] = status_form or StatusForm(statuses=statuses)
    if can_reassign(user, case):
        context["assign_form"] = assign_form or AssignForm(
            case=case, allow_default_queue=is_case_staff(user)
        )
    return context


@private_page
@login_required
@require_GET
def case_detail(request, number):
    case = visible_case_or_404(request, number)
    return render(request, "cases/case_detail.html", _case_context(request, case))


@private_page
@login_required
@require_POST
@streamed_uploads
def case_reply(request, number):
    case = visible_case_or_404(request, number)
    if not can_add_message(request.user, case):
        messages.error(request, _("This case no longer accepts messages."))
        return redirect("cases:detail", number=number)
    form = MessageForm(
        request.POST, request.FILES, allow_internal=can_see_internal(request.user, case)
    )
    if not form.is_valid():
        context = _case_context(request, case, message_form=form)
        context["files_dropped"] = bool(request.FILES)
        return render(request, "cases/case_detail.html", context, status=400)
    message = add_case_message(
        case,
        request.user,
        form.cleaned_data["body"],
        form.accepted_files,
        internal=form.cleaned_data.get("internal", False),
    )
    messages.success(
        request,
        _("Internal note added.") if message.is_internal else _("Message sent."),
    )
    return redirect(reverse("cases:detail", args=[number]) + f"#message-{message.pk}")


@private_page
@login_required
@require_POST
def case_status(request, number):
    case = visible_case_or_404(request, number)
    statuses = allowed_statuses(request.user, case)
    form = StatusForm(request.POST, statuses=statuses)
    if not form.is_valid():
        wanted = request.POST.get("status", "")
        label = Status(wanted).label if wanted in Status.values else wanted
        messages.error(
            request,
            _("You cannot move this case to “%(status)s”.") % {"status": label},
        )
        return redirect("cases:detail", number=number)
    try:
        case = transition_case(
            case,
            form.cleaned_data["status"],
            request.user,
            form.cleaned_data["comment"],
        )
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Case %(number)s is now “%(status)s”.")
            % {"number": case.number, "status": case.get_status_display()},
        )
    return redirect("cases:detail", number=number)


@private_page
@login_required
@require_POST
def case_assign(request, number):
    case = visible_case_or_404(request, number)
    if not can_reassign(request.user, case):
        raise Http404
    form = AssignForm(
        request.POST, case=case, allow_default_queue=is_case_staff(request.user)
    )
    if not form.is_valid():
        context = _case_context(request, case, assign_form=form)
        return render(request, "cases/case_detail.html", context, status=400)
    partner = form.cleaned_data["partner"]
    try:
        case = assign_case(case, partner, request.user, form.cleaned_data["comment"])
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return redirect("cases:detail", number=number)
    messages.success(
        request,
        _("Case %(number)s reassigned to %(partner)s.")
        % {
            "number": case.number,
            "partner": partner.name if partner else _("the default queue"),
        },
    )
    if can_view_case(request.user, case):
        return redirect("cases:detail", number=number)
    return redirect("cases:partner_queue")


@private_page
@login_required
def case_edit(request, number):
    case = visible_case_or_404(request, number)
    if not can_edit_case(request.user, case):
        messages.error(
            request,
            _("This case can no longer be changed: add a message instead."),
        )
        return redirect("cases:detail", number=number)
    form = CaseEditForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            update_case(case, request.user, form.cleaned_data)
        except CaseNotEditable:
            messages.error(
                request,
                _("This case can no longer be changed: add a message instead."),
            )
        else:
            messages.success(request, _("Case updated."))
        return redirect("cases:detail", number=number)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "cases/case_edit.html", {"case": case, "form": form}, status=status
    )


@private_page
@login_required
@require_GET
def attachment_download(request, number, pk):
    """Serve a file only to who may see it, always as a download."""
    attachment = get_object_or_404(
        CaseAttachment.objects.select_related("case", "message"),
        pk=pk,
        case__number=number,
    )
    if not can_view_attachment(request.user, attachment):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Content-Disposition"] = download_disposition(attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
