"""The new case form (manual: Richiesta Assistenza) and the customer's edit
form, with the mixins that check the case fields and the attachment slots."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Partner
from taxonomy.models import ProductLine

from .. import conf
from ..attachments import check_upload
from ..models import AttachmentKind
from ..services import CaseDraft, IncomingFile
from .fields import (
    AreaSelect,
    LoadedModelChoiceField,
    MultipleFileField,
    area_choices,
    areas_of,
    auto_notify_field,
    clean_mobile,
    notify_email_field,
    notify_mobile_field,
    product_lines_for,
    request_field,
    subject_field,
    urgency_field,
)


class CaseFieldsMixin:
    """Product line / area, urgency, subject and request, and the notification
    fields, shared by the new-case and edit forms."""

    def setup_case_fields(self, customer):
        # Two statements, the lines and their areas; choosing either reads
        # these lists again instead of the database.
        lines = self.fields["product_line"].load(product_lines_for(customer))
        areas = areas_of(lines)
        self.areas_by_pk = {str(area.pk): area for area in areas}
        choices, line_of = area_choices(areas)
        self.fields["area"].choices = choices
        self.fields["area"].widget.line_of = line_of

    def clean_notify_mobile(self):
        return clean_mobile(self.cleaned_data.get("notify_mobile"))

    def clean_area(self):
        # The field accepts only the areas listed, which were loaded with
        # their lines: nothing to read again.
        area = self.areas_by_pk.get(str(self.cleaned_data.get("area")))
        if area is None:
            raise ValidationError(_("Choose an area from the list."), code="invalid")
        return area

    def clean_subject(self):
        return " ".join(self.cleaned_data.get("subject", "").split())

    def check_area_matches_line(self, cleaned):
        line, area = cleaned.get("product_line"), cleaned.get("area")
        if line is not None and area is not None and area.product_line_id != line.pk:
            self.add_error(
                "area",
                ValidationError(
                    _("“%(area)s” is not an area of %(line)s: choose one of its areas.")
                    % {"area": area.name, "line": line.name},
                    code="area_line",
                ),
            )


class CaseFilesMixin:
    """Checks the three attachment slots file by file. Files that pass are in
    ``accepted_files`` even when something else in the form is wrong, so that
    the view can keep them for the next try."""

    file_fields = {
        "error_log": AttachmentKind.ERROR_LOG,
        "diagnostic": AttachmentKind.DIAGNOSTIC,
        "attachments": AttachmentKind.OTHER,
    }

    def _check_slot(self, field_name: str) -> list:
        value = self.cleaned_data.get(field_name)
        files = value if isinstance(value, list) else ([value] if value else [])
        kind = self.file_fields[field_name]
        accepted, errors = [], []
        for uploaded in files:
            try:
                checked = check_upload(uploaded, kind)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            accepted.append(
                IncomingFile(
                    kind=kind,
                    file=uploaded,
                    checked=checked,
                    sha256=getattr(uploaded, "sha256", ""),
                )
            )
        if not hasattr(self, "accepted_files"):
            self.accepted_files = []
        self.accepted_files.extend(accepted)
        if errors:
            raise ValidationError(errors)
        return accepted

    def clean_error_log(self):
        accepted = self._check_slot("error_log")
        return accepted[0] if accepted else None

    def clean_diagnostic(self):
        accepted = self._check_slot("diagnostic")
        return accepted[0] if accepted else None

    def clean_attachments(self):
        return self._check_slot("attachments")

    def check_totals(self, kept=()):
        """The per-case size and count limits, counting kept uploads too."""
        new = getattr(self, "accepted_files", [])
        replaced = {incoming.kind for incoming in new} & {
            AttachmentKind.ERROR_LOG,
            AttachmentKind.DIAGNOSTIC,
        }
        kept = [pending for pending in kept if pending.kind not in replaced]
        total = sum(f.checked.size for f in new) + sum(p.size for p in kept)
        count = len(new) + len(kept)
        if total > conf.MAX_CASE_SIZE:
            self.add_error(
                "attachments",
                ValidationError(
                    _(
                        "All the files together are %(size)s: a case may carry "
                        "at most %(limit)s."
                    )
                    % {
                        "size": filesizeformat(total),
                        "limit": filesizeformat(conf.MAX_CASE_SIZE),
                    },
                    code="case_too_large",
                ),
            )
        if count > conf.MAX_FILES:
            self.add_error(
                "attachments",
                ValidationError(
                    _("A case may carry at most %(limit)d files.")
                    % {"limit": conf.MAX_FILES},
                    code="too_many_files",
                ),
            )

    def show_only_upload_errors(self) -> None:
        """Forget the errors of everything but the attachments (the form came
        back for a log check, not to be sent: the rest may be unfinished)."""
        for name in list(self.errors):
            if name not in self.file_fields:
                del self.errors[name]

    @property
    def upload_errors(self) -> bool:
        return any(name in self.errors for name in self.file_fields)


class CaseForm(CaseFieldsMixin, CaseFilesMixin, forms.Form):
    """The new case form (manual: Richiesta Assistenza): Riferimenti, Richiesta,
    Allegati."""

    notify_email = notify_email_field()
    notify_mobile = notify_mobile_field()
    auto_notify = auto_notify_field()
    dealer = LoadedModelChoiceField(
        label=_("Dealer"),
        queryset=Partner.objects.none(),
        required=False,
        empty_label=_("Automatic (our reference partner)"),
        help_text=_(
            "The partner who will answer: your reference partner unless you "
            "choose another."
        ),
    )
    product_line = LoadedModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.none(),
        to_field_name="code",
    )
    area = forms.ChoiceField(label=_("Area"), widget=AreaSelect)
    urgency = urgency_field()
    subject = subject_field()
    request = request_field()
    error_log = forms.FileField(
        label=_("Error log (SISERR.LOG)"),
        required=False,
        help_text=_("The program's error log: a .log or .txt file."),
    )
    diagnostic = forms.FileField(
        label=_("Diagnostic bundle"),
        required=False,
        help_text=_("The diagnostic produced by the program: a .zip file."),
    )
    attachments = MultipleFileField(
        label=_("Other attachments"),
        required=False,
        help_text=_("Screenshots, PDF, text or office files; you can choose several."),
    )
    upload_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customer=None, kept=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.kept = list(kept)
        self.accepted_files = []
        self.setup_case_fields(customer)
        self.fields["dealer"].queryset = Partner.objects.filter(is_active=True)
        if customer is not None and Customer.reference_partner.is_cached(customer):
            # The dealer the form proposes, read with the company by the view.
            partner = customer.reference_partner
            if partner is not None and partner.is_active:
                self.fields["dealer"].know(partner)
        limits = _("Up to %(file)s per file, %(case)s per case.") % {
            "file": filesizeformat(conf.MAX_FILE_SIZE),
            "case": filesizeformat(conf.MAX_CASE_SIZE),
        }
        for name in self.file_fields:
            self.fields[name].help_text = f"{self.fields[name].help_text} {limits}"

    def clean(self):
        cleaned = super().clean()
        self.check_area_matches_line(cleaned)
        self.check_totals(self.kept)
        return cleaned

    def files_to_attach(self) -> list[IncomingFile]:
        return list(self.accepted_files)

    def draft(self, reporter, language: str) -> CaseDraft:
        data = self.cleaned_data
        return CaseDraft(
            customer=self.customer,
            reporter=reporter,
            product_line=data["product_line"],
            area=data["area"],
            urgency=data["urgency"],
            subject=data["subject"],
            request=data["request"],
            notify_email=data["notify_email"],
            notify_mobile=data["notify_mobile"],
            auto_notify=data["auto_notify"],
            dealer=data["dealer"],
            language=language,
        )


class CaseEditForm(CaseFieldsMixin, forms.Form):
    """The customer's corrections while nobody is working on the case yet."""

    product_line = LoadedModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.none(),
        to_field_name="code",
    )
    area = forms.ChoiceField(label=_("Area"), widget=AreaSelect)
    urgency = urgency_field()
    subject = subject_field()
    request = request_field()
    notify_email = notify_email_field()
    notify_mobile = notify_mobile_field()
    auto_notify = auto_notify_field()

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "product_line": case.product_line.code,
                "area": str(case.area_id),
                "urgency": case.urgency,
                "subject": case.subject,
                "request": case.request,
                "notify_email": case.notify_email,
                "notify_mobile": case.notify_mobile,
                "auto_notify": case.auto_notify,
            },
        )
        super().__init__(*args, **kwargs)
        self.setup_case_fields(case.customer)

    def clean(self):
        cleaned = super().clean()
        self.check_area_matches_line(cleaned)
        return cleaned
