"""Project-wide middleware: headers every response of the portal needs."""

from django.conf import settings

from .throttle import start_request


class RetryAfterMiddleware:
    """Add ``Retry-After`` (seconds) to 429 responses that lack one.

    A rate limit of ``portal.throttle`` reports when its window resets; a login
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
