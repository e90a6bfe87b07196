from django.urls import path

from cases import converters  # noqa: F401 - registers <case_number:…>

from . import views

app_name = "deflection"

# Before cases.urls in portal/urls.py: these live beside cases/new/.
urlpatterns = [
    path("cases/new/describe/", views.describe, name="start"),
    path("cases/new/solved/", views.solved, name="solved"),
    path("cases/new/read/", views.open_article, name="open"),
    path(
        "cases/<case_number:number>/draft-article/",
        views.draft_article,
        name="draft_article",
    ),
]
