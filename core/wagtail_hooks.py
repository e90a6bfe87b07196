"""The Wagtail admin refuses, with a message, to delete a snippet that other
rows still refer to through protected foreign keys (a company with users or
cases, a partner with logins), instead of failing with a server error."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from wagtail import hooks
from wagtail.admin.admin_url_finder import AdminURLFinder

from .deletion import blocked_deletions, describe_references


@hooks.register("before_delete_snippet")
def refuse_deleting_referenced_snippets(request, instances):
    blocked = blocked_deletions(list(instances))
    if not blocked:
        return None
    for instance, references in blocked.items():
        messages.error(
            request,
            gettext(
                "%(object)s cannot be deleted: %(records)s refer to it, and they "
                "are kept. Nothing was deleted."
            )
            % {"object": instance, "records": describe_references(references)},
        )
    back = request.GET.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    first = next(iter(blocked))
    return redirect(
        AdminURLFinder(request.user).get_edit_url(first) or "wagtailadmin_home"
    )
