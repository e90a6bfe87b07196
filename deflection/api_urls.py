from django.urls import path

from . import api

app_name = "deflection_api"

urlpatterns = [
    path("suggest/", api.suggest, name="suggest"),
    path("log/", api.log_check, name="log"),
]
