"""A remote session: opened by a partner with the customer's one-time code,
then the handshake of the Finnish manual (view the desktop, then keyboard and
mouse, each allowed or denied by the customer), then closed by either side."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel
from .authorisation import Authorisation


class SessionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the technician")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Consent(models.TextChoices):
    """The state of one permission (view the desktop, or use keyboard and mouse)."""

    NOT_REQUESTED = "none", _("Not requested")
    REQUESTED = "requested", _("Requested, waiting for the answer")
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class Access(models.TextChoices):
    VIEW = "view", _("view the desktop")
    CONTROL = "control", _("use keyboard and mouse")


class ActorRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    STAFF = "staff", _("Support staff")
    SYSTEM = "system", _("System")


class CloseReason(models.TextChoices):
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled before it was opened")
    REVOKED = "revoked", _("Authorisation revoked")


class RemoteSession(models.Model):
    """The session an authorisation allows. Changed only by the services in
    ``remote.services.sessions``, each of which writes a ``SessionEvent``."""

    public_id = models.UUIDField(
        _("public identifier"), default=uuid.uuid4, unique=True, editable=False
    )
    authorisation = models.OneToOneField(
        Authorisation,
        on_delete=models.PROTECT,
        related_name="session",
        verbose_name=_("authorisation"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SessionStatus.choices,
        default=SessionStatus.WAITING,
        db_index=True,
    )
    # Only an HMAC of the code is stored; the code itself is shown once.
    code_hash = models.CharField(_("code (HMAC)"), max_length=64, db_index=True)
    code_issued_at = models.DateTimeField(_("code issued"))
    code_expires_at = models.DateTimeField(_("code expires"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remote_sessions_opened",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    view_consent = models.CharField(
        _("view the desktop"),
        max_length=10,
        choices=Consent.choices,
        default=Consent.NOT_REQUESTED,
    )
    control_consent = models.CharField(
        _("keyboard and mouse"),
        max_length=10,
        choices=Consent.choices,
        default=Consent.NOT_REQUESTED,
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_by_role = models.CharField(
        _("closed by (role)"), max_length=10, choices=ActorRole.choices, blank=True
    )
    closed_by_name = models.CharField(_("closed by (name)"), max_length=200, blank=True)
    close_reason = models.CharField(
        _("how it ended"), max_length=10, choices=CloseReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("remote session")
        verbose_name_plural = _("remote sessions")

    def __str__(self) -> str:
        return str(_("Remote session %(reference)s")) % {
            "reference": self.authorisation.reference
        }

    @property
    def is_waiting(self) -> bool:
        return self.status == SessionStatus.WAITING

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED

    @property
    def code_expired(self) -> bool:
        return self.code_expires_at <= timezone.now()

    @property
    def duration(self):
        """From opening to closing (or to now while open); None if never opened."""
        if self.opened_at is None:
            return None
        return (self.closed_at or timezone.now()) - self.opened_at

    @property
    def technician_label(self) -> str:
        """Who opened it, with their partner: "Luca Verdi (Nordest Srl)"."""
        user = self.opened_by
        if user is None:
            return ""
        name = user.get_full_name() or user.username
        return f"{name} ({user.partner.name})" if user.partner_id else name

    def consent_for(self, access: str) -> str:
        return self.view_consent if access == Access.VIEW else self.control_consent


class EventKind(models.TextChoices):
    AUTHORISED = "authorised", _("Remote assistance authorised")
    CODE_ISSUED = "code_issued", _("New session code issued")
    OPENED = "opened", _("Session opened by the technician")
    VIEW_REQUESTED = "view_requested", _("Asked to view the desktop")
    VIEW_ALLOWED = "view_allowed", _("Viewing the desktop allowed")
    VIEW_DENIED = "view_denied", _("Viewing the desktop denied")
    CONTROL_REQUESTED = "control_requested", _("Asked to use keyboard and mouse")
    CONTROL_ALLOWED = "control_allowed", _("Keyboard and mouse allowed")
    CONTROL_DENIED = "control_denied", _("Keyboard and mouse denied")
    CLOSED = "closed", _("Session closed")
    CANCELLED = "cancelled", _("Session cancelled")
    REVOKED = "revoked", _("Authorisation revoked")


class SessionEvent(AppendOnlyModel):
    """Who did what, when, in a session. Append-only."""

    session = models.ForeignKey(
        RemoteSession,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("session"),
    )
    kind = models.CharField(_("what"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who (user)"),
    )
    actor_role = models.CharField(_("role"), max_length=10, choices=ActorRole.choices)
    actor_name = models.CharField(_("who"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        # Even Django's internal manager refuses update() and delete().
        base_manager_name = "objects"
        ordering = ["created_at", "pk"]
        verbose_name = _("session event")
        verbose_name_plural = _("session events")

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M:%S}"
        return f"{when} {self.actor_name}: {self.get_kind_display()}"
