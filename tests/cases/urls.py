"""The portal's URLs plus the cases API at /api/ (as the lead mounts it in
portal/urls.py); used by the API tests through ``@pytest.mark.urls``."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns


def _api_mounted() -> bool:
    return any(str(pattern.pattern) == "api/" for pattern in portal_urlpatterns)


urlpatterns = (
    [] if _api_mounted() else [path("api/", include("cases.api_urls"))]
) + portal_urlpatterns
