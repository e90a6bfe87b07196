from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .membership import APPROVE, REFUSE
from .services import (
    RegistrationError,
    find_login_user,
    find_member_customer,
    lockout_name,
)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Customer code or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "The customer code (or e-mail) and password do not match. "
            "The password is case-sensitive."
        ),
        "inactive": _(
            "This account is not active yet: follow the link in the e-mail we "
            "sent you to confirm your address."
        ),
    }

    def clean_username(self):
        # django-axes counts failures per username as passed to authenticate():
        # pass one name per account, or every spelling of the e-mail address
        # (case, or code versus e-mail) would get its own five tries.
        return lockout_name(self.cleaned_data["username"])

    def get_invalid_login_error(self):
        # A correct password on an account still waiting for e-mail verification
        # gets the helpful message instead of "do not match".
        user = find_login_user(self.cleaned_data.get("username", ""))
        password = self.cleaned_data.get("password") or ""
        if user is not None and not user.is_active and user.check_password(password):
            return forms.ValidationError(
                self.error_messages["inactive"], code="inactive"
            )
        return super().get_invalid_login_error()


class RegistrationForm(forms.Form):
    customer_code = forms.CharField(
        label=_("Customer code"),
        max_length=30,
        help_text=_("As printed on your contract profile, e.g. 024200."),
    )
    installation_code = forms.CharField(
        label=_("Installation code (Codice IDS)"),
        max_length=30,
        help_text=_("Shown in the product under Help › About."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("customer_code")
        installation = cleaned.get("installation_code")
        if code and installation:
            try:
                cleaned["customer"] = find_member_customer(code, installation)
            except RegistrationError:
                raise forms.ValidationError(
                    _(
                        "The customer code and installation code do not match our "
                        "records. Check both on your contract profile."
                    ),
                    code="no_membership",
                ) from None
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class JoinDecisionForm(forms.Form):
    """Approve or refuse a request to join the company: the pressed button's
    value."""

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))]
    )
