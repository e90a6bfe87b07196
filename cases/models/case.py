"""The case itself: statuses and their transitions, urgency, the queryset the
permission rules share, and the yearly number counter."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The only status changes there are. Reopening a resolved case sends it back to
# "in progress"; a closed case is final.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.WAITING_CUSTOMER,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.WAITING_CUSTOMER: frozenset(
        {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

CLOSED_STATUS = Status.CLOSED
OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER}
)
# Open statuses in which the clock runs against the partner ("waiting for
# customer" stops it: the next move is the customer's).
SLA_STATUSES = frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS})
# Until someone starts working on it, the customer may still edit the case.
EDITABLE_STATUSES = frozenset({Status.NEW, Status.ASSIGNED})


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    BLOCKING = "blocking", _("Blocking")


class Source(models.TextChoices):
    WEB = "web", _("Portal form")
    API = "api", _("Product (API)")


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CaseQuerySet":
        """The cases ``user`` may open: their company's (customers), the ones
        assigned to them (partners), every case (staff with the view
        permission), none otherwise. ``cases.permissions`` uses the same rules."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm("cases.view_case"):
            return self.all()
        if user.customer_id:
            return self.filter(customer_id=user.customer_id)
        if user.partner_id:
            return self.filter(assigned_partner_id=user.partner_id)
        return self.none()

    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def resolved(self) -> "CaseQuerySet":
        return self.filter(status__in=[Status.RESOLVED, Status.CLOSED])

    def overdue(self, now=None) -> "CaseQuerySet":
        return self.filter(status__in=SLA_STATUSES, due_at__lt=now or timezone.now())

    def search(self, query: str) -> "CaseQuerySet":
        """Cases whose number, subject or request text contain ``query``."""
        query = (query or "").strip()
        if not query:
            return self
        return self.filter(
            Q(number__icontains=query)
            | Q(subject__icontains=query)
            | Q(request__icontains=query)
        )

    def with_overdue_flag(self, now=None) -> "CaseQuerySet":
        """Annotate ``overdue_now`` (0 or 1) to sort overdue cases first."""
        return self.annotate(
            overdue_now=models.Case(
                models.When(
                    status__in=SLA_STATUSES,
                    due_at__lt=now or timezone.now(),
                    then=models.Value(1),
                ),
                default=models.Value(0),
                output_field=models.IntegerField(),
            )
        )


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "accounts.Customer",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("customer"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reporter"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    notify_email = models.EmailField(_("e-mail for replies"))
    notify_mobile = models.CharField(_("mobile number"), max_length=40, blank=True)
    auto_notify = models.BooleanField(
        _("automatic notification of replies"), default=True
    )
    dealer = models.ForeignKey(
        "accounts.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dealer chosen"),
    )
    assigned_partner = models.ForeignKey(
        "accounts.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    product_line = models.ForeignKey(
        "taxonomy.ProductLine",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("product line"),
    )
    area = models.ForeignKey(
        "taxonomy.Area",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("area"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    request = models.TextField(_("request"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.NEW,
        db_index=True,
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="case_customer_idx"),
            models.Index(
                fields=["assigned_partner", "status"], name="case_partner_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.status in SLA_STATUSES and self.due_at and self.due_at < timezone.now()
        )

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class CaseCounter(models.Model):
    """The last case number handed out in a year; its row is locked while a
    number is taken, so that concurrent submissions get distinct numbers."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
