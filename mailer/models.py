"""The outbox: every message the portal sends is stored here first, so that an
SMTP outage delays mail instead of losing it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Messages waiting to be (re)sent whose next attempt time has come,
        including ones a worker claimed and never finished (claim expired)."""
        now = now or timezone.now()
        return self.filter(
            status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING],
            next_attempt_at__lte=now,
        )


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    template_prefix = models.CharField(_("template"), max_length=200, blank=True)
    to = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("text body"))
    html = models.TextField(_("HTML body"), blank=True)
    # [{"name": ..., "mimetype": ..., "content": <base64>}]: small files only
    # (a summary PDF, an .ics); case attachments are never mailed.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), default=timezone.now, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def recipients(self) -> str:
        return ", ".join(self.to)
