from django.apps import apps
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from kb import pagecache

from .sitemaps import AllLocalesSitemap
from .views import favicon, robots_txt


def _if_installed(app: str, route: str, module: str) -> list:
    """``module``'s URLs under ``route`` when ``app`` is installed: the apps
    that extend others (deflection, remote) may be left out of a site."""
    return [path(route, include(module))] if apps.is_installed(app) else []


urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "sitemap.xml",
        pagecache.cacheable_view(tags=[pagecache.LISTINGS], params=["p"])(sitemap),
        {"sitemaps": {"pages": AllLocalesSitemap}},
    ),
    path("robots.txt", robots_txt),
    path("favicon.ico", favicon),
    # The JSON API (for the product's Help menu) has no language prefix.
    path("api/search/", include("search.api_urls")),
    *_if_installed("deflection", "api/deflection/", "deflection.api_urls"),
    # Last among the API routes: it ends with a JSON 404 for any other /api/ URL.
    path("api/", include("cases.api_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("accounts/", include("accounts.urls")),
    path("", include("kb.urls")),
    path("", include("search.urls")),
    *_if_installed("deflection", "", "deflection.urls"),
    path("", include("cases.urls")),
    *_if_installed("remote", "", "remote.urls"),
    # Wagtail's page tree last: it answers every URL nothing above claimed.
    path("", include(wagtail_urls)),
)

handler500 = "portal.views.server_error"
