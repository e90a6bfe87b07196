"""Remote assistance in the Wagtail admin: editors write the clauses (drafts,
revisions, publishing) and the tools; staff read the published versions,
authorisations, revocations and sessions, which nobody may create, edit or
delete here (they are records: inspect only)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cases.panels import CASE_PAGE_PANELS, CasePanel

from .models import (
    CLAUSE_FIELDS,
    Authorisation,
    ConsentText,
    ConsentVersion,
    RemoteSession,
    RemoteTool,
    Revocation,
)
from .services import user_has_remote_records


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Staff with the view permission may list and inspect; nobody creates,
    edits or deletes (the models refuse it too)."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete", "publish", "lock", "unlock"}:
            return False
        return super().user_has_permission(user, action)


for _model in (ConsentVersion, Authorisation, Revocation, RemoteSession):
    register_permission_policy(_model, ReadOnlyPolicy(_model))


class ConsentTextForm(WagtailAdminModelForm):
    """The language of a text is fixed once created: its versions are in it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["language"].disabled = True
        for name in ["intro", *CLAUSE_FIELDS]:
            self.fields[name].widget = forms.Textarea(attrs={"rows": 3})


class ConsentTextViewSet(SnippetViewSet):
    model = ConsentText
    icon = "doc-full"
    menu_label = _("Clauses")
    add_to_reference_index = False
    copy_view_enabled = False
    list_display = ["__str__", "language", "live", "last_published_at"]
    edit_handler = ObjectList(
        [
            FieldPanel("language"),
            FieldPanel("intro"),
            MultiFieldPanel(
                [FieldPanel(name) for name in CLAUSE_FIELDS],
                heading=_("The six mandatory clauses"),
            ),
        ],
        base_form_class=ConsentTextForm,
    )


class ReadOnlyViewSet(SnippetViewSet):
    add_to_reference_index = False
    inspect_view_enabled = True
    copy_view_enabled = False


class ConsentVersionViewSet(ReadOnlyViewSet):
    model = ConsentVersion
    icon = "history"
    menu_label = _("Published clause versions")
    list_display = ["__str__", "language", "number", "published_at", "sha256"]
    list_filter = ["language"]
    inspect_view_fields = [
        "language",
        "number",
        "intro",
        *CLAUSE_FIELDS,
        "sha256",
        "published_at",
        "published_by",
    ]
    panels = [FieldPanel("intro")]


class AuthorisationViewSet(ReadOnlyViewSet):
    model = Authorisation
    icon = "pick"
    menu_label = _("Authorisations")
    list_display = [
        "created_at",
        "company_name",
        "operator_name",
        "email",
        "customer",
        "case",
        "language",
    ]
    list_filter = ["language", "customer"]
    search_fields = ["company_name", "operator_name", "email", "customer_code"]
    list_export = [
        "public_id",
        "created_at",
        "company_name",
        "operator_name",
        "email",
        "customer_code",
        "installation_code",
        "customer",
        "case",
        "user",
        "language",
        "consent_version",
        "consent_sha256",
        "ip_address",
    ]
    # The exported fields (ip_address last), then what is too long for a list.
    inspect_view_fields = [
        *list_export[:-1],
        "accepted_clauses",
        "ip_address",
        "user_agent",
    ]
    panels = [FieldPanel("company_name")]


class RevocationViewSet(ReadOnlyViewSet):
    model = Revocation
    icon = "cross"
    menu_label = _("Revocations")
    list_display = ["created_at", "authorisation", "user"]
    inspect_view_fields = ["authorisation", "created_at", "user", "ip_address"]
    panels = [FieldPanel("authorisation")]


class RemoteSessionViewSet(ReadOnlyViewSet):
    model = RemoteSession
    icon = "link"
    menu_label = _("Sessions")
    list_display = [
        "__str__",
        "status",
        "opened_by",
        "opened_at",
        "view_consent",
        "control_consent",
        "closed_at",
        "closed_by_name",
    ]
    list_filter = ["status", "view_consent", "control_consent"]
    inspect_view_fields = [
        "authorisation",
        "status",
        "code_issued_at",
        "code_expires_at",
        "opened_by",
        "opened_at",
        "view_consent",
        "control_consent",
        "closed_at",
        "closed_by_name",
        "closed_by_role",
        "close_reason",
    ]
    panels = [FieldPanel("status")]


class RemoteToolViewSet(SnippetViewSet):
    model = RemoteTool
    icon = "download"
    menu_label = _("Remote-control tools")
    list_display = ["name", "is_legacy", "sort_order", "is_active"]
    list_filter = ["is_legacy", "is_active"]


class RemoteGroup(SnippetViewSetGroup):
    items = (
        ConsentTextViewSet,
        RemoteToolViewSet,
        ConsentVersionViewSet,
        AuthorisationViewSet,
        RevocationViewSet,
        RemoteSessionViewSet,
    )
    menu_icon = "link"
    menu_label = _("Remote assistance")
    menu_name = "remote"


register_snippet(RemoteGroup)


# Users named in remote records cannot be deleted (the records' foreign keys
# PROTECT them, and the records never change): say so instead of failing with
# a ProtectedError, and suggest deactivating the account.


def _refuse_user_deletion(request, users):
    names = ", ".join(user.get_full_name() or user.get_username() for user in users)
    messages.error(
        request,
        gettext(
            "%(users)s cannot be deleted: remote assistance records "
            "(authorisations, revocations, sessions or published clauses) name "
            "them, and those records are kept unchanged. Deactivate the account "
            "instead."
        )
        % {"users": names},
    )


@hooks.register("before_delete_user")
def refuse_deleting_users_with_remote_records(request, user):
    if not user_has_remote_records(user):
        return None
    _refuse_user_deletion(request, [user])
    return redirect("wagtailusers_users:edit", user.pk)


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_users_with_remote_records(
    request, action_type, objects, action_class_instance
):
    if action_type != "delete":
        return None
    user_model = get_user_model()
    kept = [
        obj
        for obj in objects
        if isinstance(obj, user_model) and user_has_remote_records(obj)
    ]
    if not kept:
        return None
    _refuse_user_deletion(request, kept)
    return redirect("wagtailusers_users:index")


@hooks.register(CASE_PAGE_PANELS)
def register_case_remote_panel():
    """The case's remote assistance: authorisations, sessions, a link to
    authorise one."""
    return CasePanel("remote/includes/case_sessions.html", order=100)
