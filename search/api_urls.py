"""The search JSON API, mounted at ``/api/search/`` (no language prefix)."""

from django.urls import path

from . import api

app_name = "search_api"

urlpatterns = [
    path("", api.search_endpoint, name="search"),
    path("suggest/", api.suggest_endpoint, name="suggest"),
]
