"""Forms of the case page and the lists: messages, status, reassignment and
filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Partner

from ..models import AttachmentKind, Status, Urgency
from .case import CaseFilesMixin
from .fields import MultipleFileField


class MessageForm(CaseFilesMixin, forms.Form):
    """A reply on the case page; partners may mark it as an internal note."""

    file_fields = {"attachments": AttachmentKind.OTHER}

    body = forms.CharField(
        label=_("Message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    internal = forms.BooleanField(
        label=_("Internal note (never shown to the customer)"), required=False
    )

    def __init__(self, *args, allow_internal=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted_files = []
        if not allow_internal:
            del self.fields["internal"]

    def clean(self):
        cleaned = super().clean()
        self.check_totals()
        return cleaned


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, Status(value).label) for value in statuses
        ]


class AssignForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Reassign to"), queryset=Partner.objects.none()
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case, allow_default_queue=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        field.queryset = Partner.objects.filter(is_active=True).exclude(
            pk=case.assigned_partner_id or -1
        )
        # Staff may send a case back to the default queue; a partner must name
        # who takes it over.
        if allow_default_queue:
            field.required = False
            field.empty_label = _("Default queue (support staff)")


class CaseFilterForm(forms.Form):
    """Filters of the customer's list: open, resolved (history) or all."""

    SCOPES = [
        ("open", _("Open")),
        ("resolved", _("Resolved")),
        ("all", _("All")),
    ]
    scope = forms.ChoiceField(
        label=_("Show"), choices=SCOPES, required=False, initial="open"
    )
    q = forms.CharField(
        label=_("Search by number or text"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class PartnerFilterForm(forms.Form):
    SCOPES = [
        ("open", _("Open")),
        ("overdue", _("Overdue")),
        *Status.choices,
        ("unassigned", _("Default queue (no partner)")),
        ("all", _("All")),
    ]
    scope = forms.ChoiceField(
        label=_("Show"), choices=SCOPES, required=False, initial="open"
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[("", _("Any")), *Urgency.choices],
        required=False,
    )
    q = forms.CharField(
        label=_("Search by number or text"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
