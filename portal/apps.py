from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.core import checks

        from .throttle import check_rate_limit_cache

        checks.register(check_rate_limit_cache, checks.Tags.security, deploy=True)
