from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor every app may use: rate limits (core.throttle), the
    rendering of e-mails (core.mail), shared form markup. It imports no app."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.core import checks

        from .throttle import check_rate_limit_cache

        checks.register(check_rate_limit_cache, checks.Tags.security, deploy=True)
