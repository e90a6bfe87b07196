"""Who a new case goes to. A policy is a class with ``assign(case)``; the
setting ``CASES_ASSIGNMENT_POLICY`` names the one in use.

The default follows the manual ("assigned automatically to the reference
partner"): the dealer chosen in the form when it differs from the reference
partner, else the customer's reference partner, else the first matching routing
rule (Wagtail admin › Cases › Routing rules), else the default queue (no partner;
staff see it in the admin).
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q
from django.utils.module_loading import import_string

from accounts.models import Partner

from . import conf
from .models import AssignmentReason, Case, RoutingRule


@dataclass(frozen=True)
class Assignment:
    """The partner (None: the default queue) and why: an ``AssignmentReason``
    code, or any text a custom policy wants recorded."""

    partner: Partner | None
    reason: str


class AssignmentPolicy:
    """Base class. Override ``assign``; return ``None`` to let the next policy
    of a chain decide."""

    def assign(self, case: Case) -> Assignment | None:
        raise NotImplementedError


class ChosenDealerPolicy(AssignmentPolicy):
    """The dealer the customer chose in the form, if active."""

    def assign(self, case):
        if case.dealer_id and case.dealer.is_active:
            if case.dealer_id == case.customer.reference_partner_id:
                return Assignment(case.dealer, AssignmentReason.REFERENCE_PARTNER)
            return Assignment(case.dealer, AssignmentReason.CHOSEN_DEALER)
        return None


class ReferencePartnerPolicy(AssignmentPolicy):
    """The customer's reference partner, if active."""

    def assign(self, case):
        partner = case.customer.reference_partner
        if partner is not None and partner.is_active:
            return Assignment(partner, AssignmentReason.REFERENCE_PARTNER)
        return None


class RoutingRulePolicy(AssignmentPolicy):
    """The first active routing rule for the case's product line and area:
    lower priority number first, a rule naming the area before a rule for the
    whole line."""

    def assign(self, case):
        rule = (
            RoutingRule.objects.filter(
                is_active=True,
                partner__is_active=True,
                product_line_id=case.product_line_id,
            )
            .filter(Q(area__isnull=True) | Q(area_id=case.area_id))
            .select_related("partner")
            .order_by("priority", F("area").asc(nulls_last=True), "pk")
            .first()
        )
        if rule is None:
            return None
        return Assignment(rule.partner, AssignmentReason.ROUTING_RULE)


class DefaultQueuePolicy(AssignmentPolicy):
    def assign(self, case):
        return Assignment(None, AssignmentReason.DEFAULT_QUEUE)


class ChainPolicy(AssignmentPolicy):
    """Ask each policy in turn; the first answer wins."""

    policies: tuple[type[AssignmentPolicy], ...] = ()

    def assign(self, case):
        for policy_class in self.policies:
            assignment = policy_class().assign(case)
            if assignment is not None:
                return assignment
        return Assignment(None, AssignmentReason.DEFAULT_QUEUE)


class DefaultAssignmentPolicy(ChainPolicy):
    policies = (
        ChosenDealerPolicy,
        ReferencePartnerPolicy,
        RoutingRulePolicy,
        DefaultQueuePolicy,
    )


def get_assignment_policy() -> AssignmentPolicy:
    path = conf.ASSIGNMENT_POLICY
    try:
        policy_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"CASES_ASSIGNMENT_POLICY {path!r} cannot be imported"
        ) from exc
    if not (
        isinstance(policy_class, type) and issubclass(policy_class, AssignmentPolicy)
    ):
        raise ImproperlyConfigured(
            f"CASES_ASSIGNMENT_POLICY {path!r} is not an AssignmentPolicy subclass"
        )
    return policy_class()
