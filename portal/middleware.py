"""Project-wide middleware: headers every response of the portal needs."""

from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from core.throttle import start_request


class RetryAfterMiddleware:
    """Add ``Retry-After`` (seconds) to 429 responses that lack one.

    A rate limit of ``core.throttle`` reports when its window resets; a login
    lockout of django-axes lasts AXES_COOLOFF_TIME from the failure that caused
    it. Place it before ``axes.middleware.AxesMiddleware``, which answers
    lockouts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = start_request()
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            seconds = refusal.get("seconds")
            if seconds is None and getattr(request, "axes_locked_out", False):
                seconds = _axes_cool_off_seconds()
            if seconds:
                response["Retry-After"] = str(seconds)
        return response


def _axes_cool_off_seconds() -> int | None:
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    if cool_off is None or callable(cool_off) or isinstance(cool_off, str):
        return None
    if isinstance(cool_off, int | float):  # axes reads a number as hours
        return int(cool_off * 3600)
    return int(cool_off.total_seconds())


class ContentSecurityPolicyMiddleware:
    """Add ``Content-Security-Policy`` to HTML responses.

    The portal's pages load only their own scripts, styles and images (no inline
    script or style: keep it so), so ``PORTAL_CSP`` allows 'self' only. Wagtail's
    admin writes inline scripts and styles, so its pages get ``PORTAL_CSP_ADMIN``.
    With DEBUG on, error pages are Django's technical pages (inline styles and
    scripts) and get no policy. A response that already has a policy keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Content-Security-Policy"):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if settings.DEBUG and response.status_code >= 400:
            return response
        admin = _admin_prefix()
        directives = (
            settings.PORTAL_CSP_ADMIN
            if admin and request.path.startswith(admin)
            else settings.PORTAL_CSP
        )
        response["Content-Security-Policy"] = "; ".join(
            " ".join([name, *sources]) for name, sources in directives.items()
        )
        return response


@cache
def _admin_prefix() -> str | None:
    try:
        return reverse("wagtailadmin_home")
    except NoReverseMatch:
        return None
