from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeflectionConfig(AppConfig):
    name = "deflection"
    verbose_name = _("Deflection")

    def ready(self) -> None:
        from cases.signals import case_submitted

        from .receivers import on_case_submitted

        case_submitted.connect(on_case_submitted, dispatch_uid="deflection_reading")
