"""The case form's log check (``CASES_LOG_CHECK``): the articles that list
the error codes of the log the customer chose, shown before the case is sent
and remembered in the visit's flow, so that the case records them as
suggested like the first step's."""

from django.utils.translation import get_language

from .services import suggest_for_log
from .views import open_url


def check_case_form_log(request, file, product_line: str = "") -> dict:
    """Read ``file`` (an error log) for ``request.user``, a customer filling in
    the case form about ``product_line`` (a code, may be empty or unknown)."""
    found = suggest_for_log(request, file, product_line, lang=get_language())
    return {
        "codes": found.report.codes,
        "binary": found.report.binary,
        "articles": [
            {**article.as_dict(), "open_url": open_url(article)}
            for article in found.articles
        ],
    }
