from django.urls import register_converter


class CaseNumberConverter:
    """A case number: the year, a dash, six or more digits (2026-000123)."""

    regex = r"[0-9]{4}-[0-9]{6,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseNumberConverter, "case_number")
