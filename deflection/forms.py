"""The first step of "New case": what the problem is about, in a sentence or
two, and optionally the error log."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import product_lines_for
from taxonomy.models import ProductLine


class Action:
    SUGGEST = "suggest"
    SOLVED = "solved"
    CONTINUE = "continue"


class DescribeForm(forms.Form):
    product_line = forms.ModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.none(),
        to_field_name="code",
        empty_label=_("Choose the product"),
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=2000,
        help_text=_(
            "A sentence or two, e.g. the error message you see. We show the "
            "articles that match while you type."
        ),
        widget=forms.Textarea(
            attrs={"rows": 3, "autocomplete": "off", "spellcheck": "true"}
        ),
    )
    error_log = forms.FileField(
        label=_("Error log (SISERR.LOG), optional"),
        required=False,
        help_text=_(
            "If the program wrote an error log, attach it: we look for the articles "
            "that solve the errors it reports. It will also be attached to your case."
        ),
    )
    area = forms.CharField(required=False, widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_line"].queryset = product_lines_for(customer)

    def clean_description(self):
        return self.cleaned_data.get("description", "").strip()


class LogUploadForm(forms.Form):
    """The JSON API's log check (the case form's "Error log" field)."""

    error_log = forms.FileField()
    product_line = forms.CharField(required=False, max_length=60)
