from django.urls import path

from . import views

app_name = "remote"

urlpatterns = [
    path("remote/", views.authorise, name="authorise"),
    path("remote/session/<str:token>/", views.session_page, name="session"),
    path(
        "remote/session/<str:token>/status/",
        views.session_status,
        name="session_status",
    ),
    path(
        "remote/session/<str:token>/answer/",
        views.session_answer,
        name="session_answer",
    ),
    path(
        "remote/session/<str:token>/close/", views.session_close, name="session_close"
    ),
    path(
        "remote/session/<str:token>/new-code/",
        views.session_new_code,
        name="session_new_code",
    ),
    path(
        "remote/session/<str:token>/authorisation.pdf",
        views.session_pdf,
        name="session_pdf",
    ),
    path("remote/history/", views.history, name="history"),
    path(
        "remote/authorisations/<uuid:public_id>/",
        views.authorisation_detail,
        name="authorisation",
    ),
    path(
        "remote/authorisations/<uuid:public_id>/pdf/",
        views.authorisation_pdf,
        name="authorisation_pdf",
    ),
    path(
        "remote/authorisations/<uuid:public_id>/revoke/",
        views.authorisation_revoke,
        name="authorisation_revoke",
    ),
    path("remote/desk/", views.desk, name="desk"),
    path("remote/desk/<uuid:public_id>/", views.desk_session, name="desk_session"),
    path(
        "remote/desk/<uuid:public_id>/status/",
        views.desk_status,
        name="desk_status",
    ),
    path(
        "remote/desk/<uuid:public_id>/request/",
        views.desk_request,
        name="desk_request",
    ),
    path("remote/desk/<uuid:public_id>/close/", views.desk_close, name="desk_close"),
]
