from django.http import HttpResponse, HttpResponseRedirect, HttpResponseServerError
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

#: Paths no search engine should crawl: the admin, the JSON API, and the
#: customers' own pages (they answer with a login form anyway).
ROBOTS_DISALLOW = ("/admin/", "/api/", "/*/accounts/", "/*/cases/", "/*/remote/")


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """500 page in the portal's look. It renders with a minimal context (no
    context processors, no database) because the error may lie there."""
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"request_path": request.path}))


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to
    the portal's icon."""
    return HttpResponseRedirect(static("portal/favicon.svg"))


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """What crawlers may read, and where the sitemap of every language is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
