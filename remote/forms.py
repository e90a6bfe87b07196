"""The authorisation form (manual: "Autorizzazione all'intervento tecnico da
remoto") and the small forms of the session pages. Forms validate; the
services record."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import Case

from .models import CLAUSE_COUNT, Access, ConsentVersion
from .services import (
    AuthorisationDraft,
    InvalidConsentVersion,
    OutdatedConsentVersion,
    check_consent_version,
)

CLAUSE_NAMES = [f"clause_{number}" for number in range(1, CLAUSE_COUNT + 1)]


class AuthorisationForm(forms.Form):
    company_name = forms.CharField(
        label=_("Company name (Ragione Sociale)"), max_length=200
    )
    operator_name = forms.CharField(
        label=_("Operator name"),
        max_length=200,
        help_text=_("Who stays at the computer during the session."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("We send the copy of this authorisation here."),
    )
    customer_code = forms.CharField(
        label=_("Customer code"), max_length=30, required=False
    )
    installation_code = forms.CharField(
        label=_("Installation code (Codice IDS)"), max_length=30, required=False
    )
    case = forms.ModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        to_field_name="number",
        required=False,
        empty_label=_("No case"),
        help_text=_("The open case this assistance is for, if any."),
    )
    # The template writes the current version's id; a bound form never echoes
    # back what was posted.
    consent_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, version: ConsentVersion, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.outdated = False
        self.tampered = False
        if cases is None:
            del self.fields["case"]
        else:
            self.fields["case"].queryset = cases
        for (number, text), name in zip(
            version.numbered_clauses, CLAUSE_NAMES, strict=True
        ):
            self.fields[name] = forms.BooleanField(
                label=f"{number} - {text}",
                required=False,
                widget=forms.CheckboxInput(attrs={"data-clause": "true"}),
            )
        for name in ("company_name", "operator_name", "email"):
            self.fields[name].widget.attrs["autocomplete"] = {
                "company_name": "organization",
                "operator_name": "name",
                "email": "email",
            }[name]

    @property
    def clause_fields(self):
        return [self[name] for name in CLAUSE_NAMES]

    @property
    def detail_fields(self):
        names = ["company_name", "operator_name", "email", "customer_code"]
        names += ["installation_code"]
        return [self[name] for name in names]

    def clean_consent_version(self):
        value = self.cleaned_data.get("consent_version", "")
        try:
            check_consent_version(value, self.version.language)
        except OutdatedConsentVersion as exc:
            self.outdated = True
            raise ValidationError(
                _(
                    "The text of the clauses changed while you were reading it: "
                    "please read the new text below and tick the clauses again. "
                    "Nothing has been saved yet."
                ),
                code="outdated",
            ) from exc
        except InvalidConsentVersion as exc:
            self.tampered = True
            raise ValidationError(
                _(
                    "This form does not match the clauses currently in force, so "
                    "nothing was saved. Please read the clauses below, tick them and "
                    "press Accept again."
                ),
                code="invalid_version",
            ) from exc
        return value

    def clean(self):
        cleaned = super().clean()
        missing = [name for name in CLAUSE_NAMES if not cleaned.get(name)]
        for name in missing:
            self.add_error(
                name,
                ValidationError(
                    _("This clause is mandatory: tick it to accept."), code="required"
                ),
            )
        if missing:
            raise ValidationError(
                _(
                    "Remote assistance needs all six clauses: tick the ones marked "
                    "below and press Accept again. Nothing has been saved."
                ),
                code="clauses",
            )
        return cleaned

    def draft(self) -> AuthorisationDraft:
        data = self.cleaned_data
        return AuthorisationDraft(
            company_name=data["company_name"],
            operator_name=data["operator_name"],
            email=data["email"],
            customer_code=data.get("customer_code", ""),
            installation_code=data.get("installation_code", ""),
            case=data.get("case"),
            accepted_clauses=tuple(
                number for number, name in enumerate(CLAUSE_NAMES, 1) if data.get(name)
            ),
        )

    def kept_values(self) -> dict:
        """What the person typed (not the ticks), to refill a fresh form."""
        names = ["company_name", "operator_name", "email", "customer_code"]
        names += ["installation_code", "case"]
        return {name: self.data.get(name, "") for name in names if name in self.fields}


class SessionCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Session code"),
        max_length=20,
        help_text=_("The nine digits the customer reads to you, e.g. 482 019 337."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class AccessRequestForm(forms.Form):
    access = forms.ChoiceField(choices=Access.choices)


class AccessAnswerForm(forms.Form):
    access = forms.ChoiceField(choices=Access.choices)
    answer = forms.ChoiceField(choices=[("allow", _("Allow")), ("deny", _("Deny"))])

    @property
    def allow(self) -> bool:
        return self.cleaned_data["answer"] == "allow"
