from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from .models import Customer, Partner

EXTRA_FIELDS = ("customer", "partner", "mobile")


class _CompanyFieldsMixin(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, label=_("Customer")
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(), required=False, label=_("Partner")
    )
    mobile = forms.CharField(required=False, max_length=40, label=_("Mobile number"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("customer") and cleaned.get("partner"):
            raise forms.ValidationError(
                _("A user belongs to a customer or to a partner, not to both.")
            )
        return cleaned


class SportelloUserCreationForm(_CompanyFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(EXTRA_FIELDS)


class SportelloUserEditForm(_CompanyFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(EXTRA_FIELDS)
