from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The portal's front page (one per language) at the top of the page tree:
    the knowledge base and the news hang below it."""

    name = "home"
    verbose_name = _("Home")
