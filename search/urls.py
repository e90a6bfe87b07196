"""The search page, inside the language prefixes (``/en/search/``)."""

from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/click/", views.click, name="click"),
]
