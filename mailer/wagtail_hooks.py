from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import OutboundEmail


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Staff may look at the outbox, never edit it: rows change only through
    delivery (and ``send_queued_mail``), which keeps their history true."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)


register_permission_policy(OutboundEmail, ReadOnlyPermissionPolicy(OutboundEmail))


class OutboundEmailViewSet(ModelViewSet):
    model = OutboundEmail
    icon = "mail"
    add_to_reference_index = False
    menu_label = _("Outgoing e-mail")
    add_to_admin_menu = False
    add_to_settings_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["subject", "recipients", "status", "attempts", "created_at"]
    list_filter = ["status", "language", "template_prefix"]
    search_fields = ["subject", "last_error"]
    inspect_view_fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "language",
        "template_prefix",
        "created_at",
        "sent_at",
        "body",
    ]
    form_fields = ["status"]


outbound_email_viewset = OutboundEmailViewSet("outbound_email")


@hooks.register("register_admin_viewset")
def register_viewset():
    return outbound_email_viewset
