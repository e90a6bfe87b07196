"""Staff's view of cases in the Wagtail admin: every case (read-only: changes go
through the portal's case page so that they are audited), routing rules, SLA
hours and API tokens."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import ApiToken, Case, RoutingRule, SlaPolicy
from .tokens import issue_api_token


class NoChangePolicy(ModelPermissionPolicy):
    """Staff with the view permission may list and inspect; nobody creates,
    edits or deletes here."""

    refused = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        if action in self.refused:
            return False
        return super().user_has_permission(user, action)


class NoDeletePolicy(NoChangePolicy):
    """Tokens are revoked, not deleted, so that their history stays."""

    refused = frozenset({"delete"})


register_permission_policy(Case, NoChangePolicy(Case))
register_permission_policy(ApiToken, NoDeletePolicy(ApiToken))


class CaseViewSet(SnippetViewSet):
    model = Case
    icon = "help"
    menu_label = _("Cases")
    # Cases are not content: keep them (and their many saves) out of Wagtail's
    # reference index.
    add_to_reference_index = False
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "number",
        "subject",
        "customer",
        "assigned_partner",
        "status",
        "urgency",
        "due_at",
        "created_at",
    ]
    list_filter = [
        "status",
        "urgency",
        "assigned_partner",
        "product_line",
        "customer",
        "source",
    ]
    search_fields = ["number", "subject", "request"]
    list_export = [
        "number",
        "subject",
        "customer",
        "assigned_partner",
        "status",
        "urgency",
        "product_line",
        "area",
        "created_at",
        "due_at",
        "resolved_at",
    ]
    inspect_view_fields = [
        "number",
        "status",
        "customer",
        "reporter",
        "source",
        "assigned_partner",
        "dealer",
        "product_line",
        "area",
        "urgency",
        "subject",
        "request",
        "notify_email",
        "notify_mobile",
        "auto_notify",
        "created_at",
        "due_at",
        "resolved_at",
        "closed_at",
    ]
    panels = [FieldPanel("subject")]


class RoutingRuleViewSet(SnippetViewSet):
    model = RoutingRule
    icon = "redirect"
    list_display = ["product_line", "area", "partner", "priority", "is_active"]
    list_filter = ["product_line", "partner", "is_active"]


class SlaPolicyViewSet(SnippetViewSet):
    model = SlaPolicy
    icon = "time"
    list_display = ["urgency", "hours"]


class ApiTokenAdminForm(WagtailAdminModelForm):
    revoke = forms.BooleanField(
        label=_("Revoke this token"),
        required=False,
        help_text=_("The installation using it can no longer open cases."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["customer"].disabled = True
            self.fields["revoke"].initial = self.instance.revoked_at is not None
            if self.instance.revoked_at:
                self.fields["revoke"].disabled = True
        else:
            del self.fields["revoke"]

    def save(self, commit=True):
        if self.cleaned_data.get("revoke") and self.instance.revoked_at is None:
            self.instance.revoked_at = timezone.now()
        return super().save(commit)


class ApiTokenCreateView(snippet_views.CreateView):
    """Issues the token through the service and shows it once."""

    def save_instance(self):
        token, self.raw_token = issue_api_token(
            self.form.cleaned_data["customer"],
            self.form.cleaned_data["name"],
            created_by=self.request.user,
        )
        log(instance=token, action="wagtail.create", user=self.request.user)
        return token

    def get_success_message(self, instance):
        return _(
            "API token issued for %(customer)s. Copy it now: it is shown only "
            "this once. %(token)s"
        ) % {"customer": instance.customer.name, "token": self.raw_token}


class ApiTokenViewSet(SnippetViewSet):
    model = ApiToken
    icon = "key"
    edit_handler = ObjectList(
        [FieldPanel("customer"), FieldPanel("name"), FieldPanel("revoke")],
        base_form_class=ApiTokenAdminForm,
    )
    add_view_class = ApiTokenCreateView
    copy_view_enabled = False
    list_display = [
        "prefix",
        "customer",
        "name",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["customer"]
    search_fields = ["prefix", "name"]


class CasesGroup(SnippetViewSetGroup):
    items = (CaseViewSet, RoutingRuleViewSet, SlaPolicyViewSet, ApiTokenViewSet)
    menu_icon = "help"
    menu_label = _("Cases")
    menu_name = "cases"


register_snippet(CasesGroup)
