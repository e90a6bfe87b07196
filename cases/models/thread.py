"""What happens on a case: messages, attachments (and uploads kept from a
failed form), and the audit trail of events."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage
from .case import Case, Status


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    STAFF = "staff", _("Support staff")
    SYSTEM = "system", _("System")


class CaseMessage(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="messages", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_name = models.CharField(_("author name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Internal notes are never shown to the customer."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.case.number} · {self.author_name} · {self.created_at:%Y-%m-%d}"


class AttachmentKind(models.TextChoices):
    ERROR_LOG = "error_log", _("Error log")
    DIAGNOSTIC = "diagnostic", _("Diagnostic bundle")
    OTHER = "other", _("Other attachment")


class StoredFileMixin(models.Model):
    """A file in private storage with what was checked about it."""

    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=AttachmentKind.choices,
        default=AttachmentKind.OTHER,
    )
    file = models.FileField(_("file"), storage=private_storage, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=120)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        abstract = True


class CaseAttachment(StoredFileMixin):
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("case"),
    )
    message = models.ForeignKey(
        CaseMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("message"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        return bool(self.message_id and self.message.is_internal)


class PendingUpload(StoredFileMixin):
    """A valid file from a case form that failed validation elsewhere, kept so
    that the user does not have to choose it again. Tied to the user and to a
    token held in their session."""

    token = models.CharField(_("token"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    EDITED = "edited", _("Edited")


class AssignmentReason(models.TextChoices):
    """Why a case went where it went, stored as a code and shown translated."""

    REFERENCE_PARTNER = "reference_partner", _("reference partner")
    CHOSEN_DEALER = "chosen_dealer", _("dealer chosen by the customer")
    ROUTING_RULE = "routing_rule", _("routing rule")
    DEFAULT_QUEUE = "default_queue", _("default queue")


class CaseEvent(models.Model):
    """One line of a case's audit trail: who did what, when, from what to what."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by (name)"), max_length=200, blank=True)
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    from_value = models.CharField(_("from"), max_length=200, blank=True)
    to_value = models.CharField(_("to"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case.number}: {self.get_kind_display()}"

    def status_label(self, value: str) -> str:
        return Status(value).label if value in Status.values else value

    @property
    def from_label(self) -> str:
        if self.kind == EventKind.STATUS:
            return self.status_label(self.from_value)
        return self.from_value

    @property
    def to_label(self) -> str:
        if self.kind in (EventKind.STATUS, EventKind.CREATED):
            return self.status_label(self.to_value)
        if self.kind == EventKind.ASSIGNED and not self.to_value:
            return AssignmentReason.DEFAULT_QUEUE.label
        return self.to_value

    @property
    def comment_label(self) -> str:
        """The comment; an automatic assignment's reason code, translated."""
        if self.kind == EventKind.ASSIGNED and self.comment in AssignmentReason.values:
            return AssignmentReason(self.comment).label
        return self.comment

    @property
    def actor_label(self) -> str:
        return self.actor_name or _("automatic")
