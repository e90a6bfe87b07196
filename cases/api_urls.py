"""The JSON API, outside the language prefixes: include at ``path("api/", ...)``."""

from django.urls import path, re_path

from . import (
    api,
    converters,  # noqa: F401 - registers <case_number:…>
)

app_name = "cases_api"

urlpatterns = [
    path("cases/", api.cases_endpoint, name="cases"),
    path("cases/<case_number:number>/", api.case_endpoint, name="case"),
    path("product-lines/", api.product_lines_endpoint, name="product_lines"),
    re_path(r"^(?P<path>.*)$", api.not_found, name="not_found"),
]
