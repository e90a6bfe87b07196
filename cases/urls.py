from django.urls import path

from . import (
    converters,  # noqa: F401 - registers <case_number:…>
    views,
)

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/<case_number:number>/", views.case_detail, name="detail"),
    path("cases/<case_number:number>/edit/", views.case_edit, name="edit"),
    path("cases/<case_number:number>/reply/", views.case_reply, name="reply"),
    path("cases/<case_number:number>/status/", views.case_status, name="status"),
    path("cases/<case_number:number>/assign/", views.case_assign, name="assign"),
    path(
        "cases/<case_number:number>/files/<int:pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("partner/cases/", views.partner_queue, name="partner_queue"),
]
