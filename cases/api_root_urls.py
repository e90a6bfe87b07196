"""A URLconf holding only the API, without language prefixes. API views answer
under it (``request.urlconf``) so that LocaleMiddleware does not turn their 404s
into redirects to ``/<lang>/api/…`` (Wagtail's catch-all page route would make
every such path look valid)."""

from django.urls import include, path

urlpatterns = [path("api/", include("cases.api_urls"))]
