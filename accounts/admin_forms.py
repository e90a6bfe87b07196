from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import PasswordResetForm
from wagtail.users.forms import UserCreationForm, UserEditForm

from mailer.services import queue_email

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


class OutboxPasswordResetForm(PasswordResetForm):
    """The Wagtail admin's "forgot password" form (setting
    ``WAGTAILADMIN_USER_PASSWORD_RESET_FORM``): Wagtail's own form, message and
    link, but the message goes through the mailer's outbox like the portal's
    reset link, so that an SMTP outage delays it instead of losing it (Django's
    form sends at once and only logs a failure)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # The outbox renders <prefix>_subject.txt, <prefix>.txt and, if it
        # exists, <prefix>.html: Wagtail's names follow that pattern.
        prefix = email_template_name.removesuffix(".txt")
        if subject_template_name != f"{prefix}_subject.txt":
            raise ValueError(
                f"{subject_template_name} is not the subject of {email_template_name}"
            )
        queue_email(prefix, context, to=[to_email], language=get_language())
