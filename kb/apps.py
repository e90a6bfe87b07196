from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from . import pagecache, search_index
        from .services.listings import (
            account_nav_shape,
            feedback_context,
            feedback_shape,
            licensed_lines_variant,
        )

        search_index.register_provider()
        search_index.connect_signals()
        pagecache.connect_signals()
        # Personal parts of cached pages: the header's account links (the
        # log-out form's CSRF token) and "Was this helpful?".
        pagecache.register_fragment(
            "account-nav", "portal/includes/account_nav.html", shape=account_nav_shape
        )
        pagecache.register_fragment(
            "kb-feedback",
            "kb/includes/feedback.html",
            feedback_context,
            shape=feedback_shape,
        )
        pagecache.register_variant("licensed-lines", licensed_lines_variant)
