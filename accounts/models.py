"""Companies (customers), dealers (partners) and the people who log in for them."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index


class Partner(index.Indexed, models.Model):
    """A dealer ("Concessionario") who answers its customers' cases."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("partner code"), max_length=30, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        MultiFieldPanel(
            [FieldPanel("email"), FieldPanel("phone")], heading=_("Contact")
        ),
        FieldPanel("is_active"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("code"),
        index.SearchField("email"),
        index.AutocompleteField("name"),
        index.FilterField("is_active"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Customer(index.Indexed, models.Model):
    """A customer company. Its users log in with its customer code."""

    name = models.CharField(_("company name"), max_length=200)
    code = models.CharField(
        _("customer code"),
        max_length=30,
        unique=True,
        help_text=_("The code on the contract profile, e.g. 024200."),
    )
    installation_code = models.CharField(
        _("installation code (Codice IDS)"),
        max_length=30,
        blank=True,
        help_text=_("Proves membership when a user registers."),
    )
    reference_partner = models.ForeignKey(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("reference partner"),
    )
    product_lines = models.ManyToManyField(
        "taxonomy.ProductLine",
        blank=True,
        related_name="customers",
        verbose_name=_("licensed product lines"),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("installation_code"),
        FieldPanel("reference_partner"),
        FieldPanel("product_lines"),
        FieldPanel("preferred_language"),
        FieldPanel("is_active"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("code"),
        index.AutocompleteField("name"),
        index.FilterField("reference_partner"),
        index.FilterField("preferred_language"),
        index.FilterField("is_active"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    """A person who logs in: for one customer, for one partner, or for neither
    (editors and staff)."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("customer"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("partner"),
    )
    mobile = models.CharField(_("mobile number"), max_length=40, blank=True)
    email_verified_at = models.DateTimeField(
        _("e-mail verified"), null=True, blank=True
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True) | Q(partner__isnull=True),
                name="user_customer_or_partner_not_both",
            )
        ]

    @property
    def is_customer(self) -> bool:
        return self.customer_id is not None

    @property
    def is_partner(self) -> bool:
        return self.partner_id is not None


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")


class CompanyJoinRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=JoinRequestStatus.PENDING)

    def awaiting_decision(self):
        """Pending requests whose requester has confirmed the address: the ones
        a company user is asked about (an unconfirmed one may be a typo)."""
        return self.pending().filter(user__is_active=True, user__customer__isnull=True)


class CompanyJoinRequest(models.Model):
    """A registrant who proved the codes of a company that already has users,
    and waits for one of them (or staff) to let them in. Until then the user's
    ``customer`` stays empty, so every permission check treats them as a user
    of no company. A refused request is deleted; an approved one stays as the
    record of who let the user in."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="join_request",
        verbose_name=_("user"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("The requester's language, for the mail that answers them."),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    objects = CompanyJoinRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request to join a company")
        verbose_name_plural = _("requests to join a company")

    def __str__(self) -> str:
        return f"{self.user} → {self.customer}"
