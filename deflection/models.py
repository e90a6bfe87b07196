"""What deflection remembers: anonymous events for the dashboard, and per case
what the customer was shown and read before asking ("asked after reading")."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    SHOWN = "shown", _("Suggestions shown")
    OPENED = "opened", _("Article opened from a suggestion")
    SOLVED = "solved", _("Solved without a case")
    CONTINUED = "continued", _("Continued to the case form")
    SUBMITTED = "submitted", _("Case submitted")


class DeflectionEvent(models.Model):
    """One step of one anonymous visit to "New case". No user, company, text or
    address: the session id is a random value made for the visit."""

    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    session_id = models.CharField(_("anonymous session"), max_length=32)
    product_line = models.CharField(_("product line"), max_length=60, blank=True)
    area = models.CharField(_("area"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    article_key = models.CharField(_("article"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("deflection event")
        verbose_name_plural = _("deflection events")
        permissions = [("view_dashboard", _("Can view the deflection dashboard"))]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="deflection_kind_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.product_line} {self.created_at:%Y-%m-%d}"
        )


class CaseReading(models.Model):
    """What the customer saw and opened at the first step before submitting
    ``case``. ``suggested`` and ``opened`` hold ``{"key", "lang", "title",
    "url"}`` items. Partners see it on the case page."""

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="reading",
        verbose_name=_("case"),
    )
    session_id = models.CharField(_("anonymous session"), max_length=32, blank=True)
    description = models.TextField(_("first description"), blank=True)
    suggested = models.JSONField(_("articles suggested"), default=list, blank=True)
    opened = models.JSONField(_("articles opened"), default=list, blank=True)
    opened_count = models.PositiveIntegerField(_("articles opened"), default=0)
    error_codes = models.JSONField(_("error codes found"), default=list, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("case reading")
        verbose_name_plural = _("case readings")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.opened_count}/{len(self.suggested)} opened"

    @property
    def asked_after_reading(self) -> bool:
        """The customer opened at least one suggested article and still asked."""
        return self.opened_count > 0


class ArticleDraft(models.Model):
    """A draft knowledge-base article made from a resolved case (one per case),
    so that the button turns into a link once it was used."""

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="article_draft",
        verbose_name=_("case"),
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("draft page"),
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("article draft from a case")
        verbose_name_plural = _("article drafts from cases")

    def __str__(self) -> str:
        return f"{self.case_id} → {self.page_id}"
