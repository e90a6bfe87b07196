"""Tables staff edit in the Wagtail admin to steer cases: routing rules, SLA
hours per urgency, and the API tokens of customers' installations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from .case import Urgency


class RoutingRule(models.Model):
    """Where cases go when the customer has no reference partner and chose no
    dealer: the first matching active rule, by priority (lower first); a rule
    naming the area wins over one for the whole product line."""

    product_line = models.ForeignKey(
        "taxonomy.ProductLine",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product line"),
    )
    area = models.ForeignKey(
        "taxonomy.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Leave empty for every area of the product line."),
    )
    partner = models.ForeignKey(
        "accounts.Partner",
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("partner"),
    )
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("product_line"),
        FieldPanel("area"),
        FieldPanel("partner"),
        FieldPanel("priority"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        scope = self.area.name if self.area_id else self.product_line.name
        return f"{scope} → {self.partner.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.area_id and self.area.product_line_id != self.product_line_id:
            raise ValidationError(
                {"area": _("This area belongs to another product line.")}
            )


class SlaPolicy(models.Model):
    """Hours from submission to the due date, per urgency."""

    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, unique=True
    )
    hours = models.PositiveIntegerField(_("hours to the due date"))

    panels = [FieldPanel("urgency"), FieldPanel("hours")]

    class Meta:
        ordering = ["hours"]
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")

    def __str__(self) -> str:
        return f"{self.get_urgency_display()}: {self.hours} h"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-installation token for the product's Help menu to open cases. Only
    a SHA-256 hash is stored: the token is shown once, when issued."""

    customer = models.ForeignKey(
        "accounts.Customer",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("customer"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("E.g. the installation or server.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    panels = [FieldPanel("customer"), FieldPanel("name")]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.customer.code}, {self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
