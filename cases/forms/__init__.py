"""Forms validate; they never save, assign or send anything (see services)."""

from .api import ApiCaseForm
from .case import CaseEditForm, CaseFieldsMixin, CaseFilesMixin, CaseForm
from .desk import AssignForm, CaseFilterForm, MessageForm, PartnerFilterForm, StatusForm
from .fields import (
    AreaSelect,
    LoadedModelChoiceField,
    MultipleFileField,
    MultipleFileInput,
    area_choices,
    areas_of,
    clean_mobile,
    product_lines_for,
)

__all__ = [
    "ApiCaseForm",
    "AreaSelect",
    "AssignForm",
    "CaseEditForm",
    "CaseFieldsMixin",
    "CaseFilesMixin",
    "CaseFilterForm",
    "CaseForm",
    "LoadedModelChoiceField",
    "MessageForm",
    "MultipleFileField",
    "MultipleFileInput",
    "PartnerFilterForm",
    "StatusForm",
    "area_choices",
    "areas_of",
    "clean_mobile",
    "product_lines_for",
]
