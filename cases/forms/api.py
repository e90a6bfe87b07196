"""The JSON API's case form: product line and area by code."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from taxonomy.models import Area

from ..models import Source, Urgency
from ..services import CaseDraft
from .case import CaseFilesMixin
from .fields import (
    MultipleFileField,
    clean_mobile,
    notify_mobile_field,
    product_lines_for,
    request_field,
    subject_field,
)


class ApiCaseForm(CaseFilesMixin, forms.Form):
    """The JSON API's case fields: product line and area by code."""

    product_line = forms.CharField(max_length=60)
    area = forms.CharField(max_length=60)
    urgency = forms.ChoiceField(
        choices=Urgency.choices, required=False, initial=Urgency.NORMAL
    )
    subject = subject_field()
    request = request_field()
    notify_email = forms.EmailField()
    notify_mobile = notify_mobile_field()
    auto_notify = forms.CharField(required=False)
    error_log = forms.FileField(required=False)
    diagnostic = forms.FileField(required=False)
    attachments = MultipleFileField(required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.accepted_files = []

    def clean_product_line(self):
        code = self.cleaned_data["product_line"].strip()
        line = product_lines_for(self.customer).filter(code=code).first()
        if line is None:
            raise ValidationError(
                _("Unknown product line “%(code)s”.") % {"code": code},
                code="invalid",
            )
        return line

    def clean_urgency(self):
        return self.cleaned_data.get("urgency") or Urgency.NORMAL

    def clean_auto_notify(self):
        value = (self.data.get("auto_notify") or "").strip().lower()
        if value in ("", "1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise ValidationError(_("Use true or false."), code="invalid")

    def clean_notify_mobile(self):
        return clean_mobile(self.cleaned_data.get("notify_mobile"))

    def clean_subject(self):
        return " ".join(self.cleaned_data.get("subject", "").split())

    def clean(self):
        cleaned = super().clean()
        line, code = cleaned.get("product_line"), cleaned.get("area")
        if line is not None and code:
            area = Area.objects.active().filter(product_line=line, code=code.strip())
            area = area.first()
            if area is None:
                self.add_error(
                    "area",
                    ValidationError(
                        _("“%(code)s” is not an area of %(line)s.")
                        % {"code": code, "line": line.code},
                        code="area_line",
                    ),
                )
            else:
                cleaned["area"] = area
        self.check_totals()
        return cleaned

    def draft(self, language: str) -> CaseDraft:
        data = self.cleaned_data
        return CaseDraft(
            customer=self.customer,
            reporter=None,
            product_line=data["product_line"],
            area=data["area"],
            urgency=data["urgency"],
            subject=data["subject"],
            request=data["request"],
            notify_email=data["notify_email"],
            notify_mobile=data["notify_mobile"],
            auto_notify=data["auto_notify"],
            source=Source.API,
            language=language,
        )
