"""The remote-control tools customers download, configured by editors."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel


class OperatingSystem(models.TextChoices):
    WINDOWS = "windows", "Windows"
    MACOS = "macos", "macOS"
    LINUX = "linux", "Linux"


class RemoteToolQuerySet(models.QuerySet):
    def active(self) -> "RemoteToolQuerySet":
        return self.filter(is_active=True)


class RemoteTool(models.Model):
    """One downloadable tool: a Wagtail document or an external address, for
    one or more operating systems, with short instructions per language.
    Legacy tools are listed apart, for installations that still use them."""

    name = models.CharField(_("name"), max_length=120)
    for_windows = models.BooleanField("Windows", default=False)
    for_macos = models.BooleanField("macOS", default=False)
    for_linux = models.BooleanField("Linux", default=False)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("download file"),
    )
    url = models.URLField(
        _("download address"),
        blank=True,
        help_text=_("Instead of a file: where to download it from."),
    )
    instructions_it = models.TextField(_("instructions (Italian)"), blank=True)
    instructions_fi = models.TextField(_("instructions (Finnish)"), blank=True)
    instructions_en = models.TextField(_("instructions (English)"), blank=True)
    is_legacy = models.BooleanField(
        _("legacy tool"),
        default=False,
        help_text=_("Listed apart, for installations that still use it."),
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    objects = RemoteToolQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("for_windows"),
                FieldPanel("for_macos"),
                FieldPanel("for_linux"),
            ],
            heading=_("Operating systems"),
        ),
        MultiFieldPanel(
            [FieldPanel("document"), FieldPanel("url")], heading=_("Download")
        ),
        MultiFieldPanel(
            [
                FieldPanel("instructions_it"),
                FieldPanel("instructions_fi"),
                FieldPanel("instructions_en"),
            ],
            heading=_("Short instructions"),
        ),
        FieldPanel("is_legacy"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["is_legacy", "sort_order", "name"]
        verbose_name = _("remote-control tool")
        verbose_name_plural = _("remote-control tools")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if not self.document_id and not self.url:
            raise ValidationError(
                _("Choose a download file or give a download address.")
            )
        if not (self.for_windows or self.for_macos or self.for_linux):
            raise ValidationError(_("Tick at least one operating system."))

    @property
    def operating_systems(self) -> list[str]:
        return [
            system
            for system, flag in (
                (OperatingSystem.WINDOWS, self.for_windows),
                (OperatingSystem.MACOS, self.for_macos),
                (OperatingSystem.LINUX, self.for_linux),
            )
            if flag
        ]

    @property
    def operating_system_labels(self) -> list[str]:
        return [OperatingSystem(system).label for system in self.operating_systems]

    def supports(self, system: str | None) -> bool:
        return system in self.operating_systems

    @property
    def download_url(self) -> str:
        if self.document_id and self.document:
            return self.document.url
        return self.url

    @property
    def instructions(self) -> str:
        """In the active language, else English, else any."""
        language = (get_language() or "en").split("-")[0]
        for code in (language, "en", "it", "fi"):
            text = getattr(self, f"instructions_{code}", "")
            if text:
                return text
        return ""
