"""Authorisations ("Autorizzazione all'intervento tecnico da remoto") and their
revocations: immutable records of who accepted which text, when and from where."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel, AppendOnlyQuerySet
from .chain import GENESIS_HASH
from .consent import CLAUSE_COUNT, ConsentVersion


def _is_remote_staff(user) -> bool:
    return user.has_perm("remote.view_authorisation")


class AuthorisationQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user) -> "AuthorisationQuerySet":
        """What ``user`` may read: their company's (customers), their
        customers' and their cases' (partners), all (staff with the view
        permission). ``remote.permissions`` applies the same rules to one row."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if _is_remote_staff(user):
            return self.all()
        if user.customer_id:
            return self.filter(customer_id=user.customer_id)
        if user.partner_id:
            return self.filter(
                Q(customer__reference_partner_id=user.partner_id)
                | Q(case__assigned_partner_id=user.partner_id)
                | Q(session__opened_by__partner_id=user.partner_id)
            ).distinct()
        return self.none()


class Authorisation(AppendOnlyModel):
    """One acceptance of the six clauses. Never edited or deleted."""

    public_id = models.UUIDField(
        _("public identifier"), default=uuid.uuid4, unique=True, editable=False
    )
    consent_version = models.ForeignKey(
        ConsentVersion,
        on_delete=models.PROTECT,
        related_name="authorisations",
        verbose_name=_("clause version"),
    )
    language = models.CharField(_("language"), max_length=8)
    consent_sha256 = models.CharField(_("SHA-256 of the accepted text"), max_length=64)
    accepted_clauses = models.JSONField(
        _("accepted clauses"),
        default=list,
        help_text=_("The numbers of the clauses ticked (all six)."),
    )
    company_name = models.CharField(_("company name"), max_length=200)
    operator_name = models.CharField(_("operator name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    customer_code = models.CharField(_("customer code"), max_length=30, blank=True)
    installation_code = models.CharField(
        _("installation code (Codice IDS)"), max_length=30, blank=True
    )
    customer = models.ForeignKey(
        "accounts.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remote_authorisations",
        verbose_name=_("customer"),
        help_text=_(
            "The company of the logged-in user who authorised; empty for "
            "anonymous visitors."
        ),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remote_authorisations",
        verbose_name=_("case"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remote_authorisations",
        verbose_name=_("user"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("user agent"), blank=True)
    created_at = models.DateTimeField(
        _("accepted"), default=timezone.now, db_index=True
    )
    # The hash chain (remote.models.chain): written once, by record_authorisation.
    previous_hash = models.CharField(
        _("hash of the previous authorisation"), max_length=64, editable=False
    )
    record_hash = models.CharField(
        _("hash of this authorisation"), max_length=64, editable=False
    )

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        # Even Django's internal manager refuses update() and delete().
        base_manager_name = "objects"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("remote assistance authorisation")
        verbose_name_plural = _("remote assistance authorisations")
        indexes = [
            models.Index(
                fields=["customer", "-created_at"], name="remote_auth_customer_idx"
            )
        ]
        constraints = [
            # One successor per authorisation: the chain cannot fork, even if
            # two writers read the same latest row.
            models.UniqueConstraint(
                fields=["previous_hash"], name="remote_auth_chain_unique"
            )
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.company_name} · {self.operator_name} · {when}"

    @property
    def reference(self) -> str:
        """A short reference for people (the first block of the public id)."""
        return str(self.public_id).split("-")[0].upper()

    @property
    def all_clauses_accepted(self) -> bool:
        return sorted(self.accepted_clauses) == list(range(1, CLAUSE_COUNT + 1))

    @property
    def revocation_or_none(self) -> "Revocation | None":
        try:
            return self.revocation
        except Revocation.DoesNotExist:
            return None

    @property
    def is_revoked(self) -> bool:
        return self.revocation_or_none is not None

    @property
    def partner_ids(self) -> set[int]:
        """The partners who may open its session: the customer's reference
        partner and the linked case's assigned partner."""
        ids = set()
        if self.customer_id and self.customer.reference_partner_id:
            ids.add(self.customer.reference_partner_id)
        if self.case_id and self.case.assigned_partner_id:
            ids.add(self.case.assigned_partner_id)
        return ids

    @property
    def notified_partner(self):
        """Who is told about it: the case's partner, else the reference partner."""
        if self.case_id and self.case.assigned_partner_id:
            return self.case.assigned_partner
        if self.customer_id and self.customer.reference_partner_id:
            return self.customer.reference_partner
        return None


class Revocation(AppendOnlyModel):
    """The withdrawal of an authorisation: a new record, the original untouched."""

    authorisation = models.OneToOneField(
        Authorisation,
        on_delete=models.PROTECT,
        related_name="revocation",
        verbose_name=_("authorisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("user agent"), blank=True)
    created_at = models.DateTimeField(_("revoked"), default=timezone.now)

    class Meta:
        # Even Django's internal manager refuses update() and delete().
        base_manager_name = "objects"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")

    def __str__(self) -> str:
        return str(_("Revocation of %(authorisation)s")) % {
            "authorisation": self.authorisation
        }


class ChainHead(models.Model):
    """Where the authorisations' hash chain ends: how many authorisations it
    holds and the newest one's hash. ``record_authorisation`` moves it on in
    the transaction that inserts the authorisation.

    A chain whose newest rows were cut off is still a valid chain from its
    first row to its new last one; only a record of where it ended shows that
    it is shorter than it was (``verify_consent_records`` compares the two).
    One row (primary key 1). Not a record itself: it changes with each
    authorisation."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    length = models.PositiveBigIntegerField(_("number of authorisations"), default=0)
    record_hash = models.CharField(
        _("hash of the newest authorisation"), max_length=64, default=GENESIS_HASH
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("end of the authorisation chain")
        verbose_name_plural = _("end of the authorisation chain")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1), name="remote_chain_head_single_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.length} · {self.record_hash}"
