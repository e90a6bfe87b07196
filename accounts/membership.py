"""Joining a company: who may become a user of a customer, and who decides.

The first user of a company registers with its customer code and installation
code and belongs to it once the address is confirmed. Anyone registering later
with the same codes only *asks* to join (a :class:`CompanyJoinRequest`): their
``customer`` stays empty, so every permission check in the portal (cases,
attachments, remote assistance) treats them as a user of no company until a
user of that company, or staff, approves. The company's users are asked by
e-mail (approve / refuse links, signed, single-use and expiring) and on the
members page; the requester is told the answer, and on approval every existing
user of the company is told who joined.

Every message goes through the mailer's outbox, in the transaction of the
change that causes it.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from mailer.services import prepare_email, queue_emails

from . import conf
from .models import CompanyJoinRequest, Customer, JoinRequestStatus, User
from .tokens import join_decision_token

logger = logging.getLogger(__name__)

APPROVE = "approve"
REFUSE = "refuse"
DECISIONS = (APPROVE, REFUSE)


class JoinRequestError(Exception):
    """A request to join a company cannot be decided."""


class JoinRequestDecided(JoinRequestError):
    """The request was approved or refused already (or never existed)."""


class JoinRequestForbidden(JoinRequestError):
    """This user may not decide this request."""


class JoinLinkInvalid(JoinRequestError):
    """An approve / refuse link that is forged, expired, used, or someone
    else's."""


def has_company_access(user) -> bool:
    """Is ``user`` an active user of an active company (not merely asking to
    join one)?"""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.customer_id is not None
        and user.customer.is_active
    )


def company_members(customer: Customer, exclude: User | None = None) -> QuerySet:
    """The users who have access to ``customer``'s cases: active and linked."""
    members = User.objects.filter(customer=customer, is_active=True)
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    return members.order_by("pk")


def is_first_user(customer: Customer) -> bool:
    """Would a registrant for ``customer`` be its first user (no active user
    has access yet)?"""
    return not company_members(customer).exists()


def request_company_join(
    user: User, customer: Customer, language: str = ""
) -> CompanyJoinRequest:
    """Record that ``user`` (just registered, without a company) asks to join
    ``customer``. Nobody is asked before the requester confirms the address:
    see :func:`settle_membership`."""
    return CompanyJoinRequest.objects.create(
        user=user, customer=customer, language=language or ""
    )


def pending_join_request(user) -> CompanyJoinRequest | None:
    """The request of ``user`` that waits for a decision, if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        CompanyJoinRequest.objects.pending()
        .select_related("customer")
        .filter(user=user)
        .first()
    )


def can_decide_join_request(user, join_request: CompanyJoinRequest) -> bool:
    """A user with access to the company asked for, or staff allowed to change
    join requests; never the requester."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.pk == join_request.user_id:
        return False
    if has_company_access(user) and user.customer_id == join_request.customer_id:
        return True
    return user.has_perm("accounts.change_companyjoinrequest")


def join_requests_to_decide(user) -> QuerySet:
    """The requests to join ``user``'s company that wait for a decision."""
    if not has_company_access(user):
        return CompanyJoinRequest.objects.none()
    return (
        CompanyJoinRequest.objects.awaiting_decision()
        .filter(customer_id=user.customer_id)
        .select_related("user")
    )


def join_requests_for_staff() -> QuerySet:
    """Every pending request, confirmed or not, oldest first."""
    return CompanyJoinRequest.objects.pending().select_related("user", "customer")


def absolute_link(base_url: str, view_name: str, language: str, **kwargs) -> str:
    """The address of ``view_name`` under ``base_url`` for a mail: it opens the
    portal in the mail's language, whatever is active."""
    with translation.override(language):
        path = reverse(view_name, kwargs=kwargs or None)
    return base_url.rstrip("/") + path


def _company_language(customer: Customer) -> str:
    return customer.preferred_language or settings.LANGUAGE_CODE


def send_join_request_emails(join_request: CompanyJoinRequest, base_url: str) -> int:
    """Ask every user of the company, each with their own approve and refuse
    links, whether the requester may join. Returns how many were queued."""
    customer = join_request.customer
    language = _company_language(customer)
    members_link = absolute_link(base_url, "accounts:members", language)
    messages = []
    for member in company_members(customer, exclude=join_request.user):
        if not member.email:
            continue
        links = {
            decision: absolute_link(
                base_url,
                "accounts:join_link",
                language,
                token=join_decision_token.make_token(join_request, member, decision),
            )
            for decision in DECISIONS
        }
        messages.append(
            prepare_email(
                "accounts/email/join_request",
                {
                    "member": member,
                    "requester": join_request.user,
                    "customer": customer,
                    "approve_link": links[APPROVE],
                    "refuse_link": links[REFUSE],
                    "members_link": members_link,
                    "days": conf.JOIN_LINK_MAX_AGE // (24 * 3600),
                },
                to=[member.email],
                language=language,
            )
        )
    if messages:
        queue_emails(messages)
    logger.info(
        "join request %s: %d company user(s) asked", join_request.pk, len(messages)
    )
    return len(messages)


def settle_membership(user: User, base_url: str) -> CompanyJoinRequest | None:
    """Once ``user`` has confirmed the address: ask the company's users about
    their pending request, if they have one. Call inside the transaction that
    activates the user.

    Two people may register as a company's first user before either confirms;
    the first to confirm becomes its user, and the other one's registration
    turns into a request to join, like any later registrant's. Returns the
    request the company's users were asked about, or None.
    """
    if user.customer_id is not None:
        if CompanyJoinRequest.objects.filter(user=user).exists():
            return None  # let in by an approval already
        # Serialise the first confirmations of one company's registrants.
        customer = Customer.objects.select_for_update().get(pk=user.customer_id)
        if not company_members(customer, exclude=user).exists():
            return None
        join_request = CompanyJoinRequest.objects.create(
            user=user, customer=customer, language=translation.get_language() or ""
        )
        user.customer = None
        fields = ["customer"]
        if user.username.lower() == customer.code.lower():
            # The customer code is the company's first user's username.
            taken = User.objects.filter(username__iexact=user.email).exists()
            if user.email and not taken:
                user.username = user.email.lower()
                fields.append("username")
        user.save(update_fields=fields)
        logger.info(
            "user %s confirmed after another user of customer %s: asks to join",
            user.pk,
            customer.code,
        )
    else:
        join_request = pending_join_request(user)
        if join_request is None:
            return None
    send_join_request_emails(join_request, base_url)
    return join_request


def read_join_link(token: str, user) -> tuple[CompanyJoinRequest, str]:
    """The pending request and the decision behind an approve / refuse link
    opened by ``user``; JoinLinkInvalid if the link is forged, expired, used
    already, or was sent to someone else."""
    data = join_decision_token.read_token(token, conf.JOIN_LINK_MAX_AGE)
    if data is None or data["d"] not in DECISIONS:
        raise JoinLinkInvalid
    if user is None or not user.is_authenticated or data["a"] != user.pk:
        raise JoinLinkInvalid
    join_request = (
        CompanyJoinRequest.objects.pending()
        .select_related("user", "customer")
        .filter(pk=data["r"], user_id=data["u"])
        .first()
    )
    if join_request is None or not can_decide_join_request(user, join_request):
        raise JoinLinkInvalid
    return join_request, data["d"]


def decide_join_request(
    join_request_id: int, by: User, decision: str, base_url: str
) -> CompanyJoinRequest:
    """Approve or refuse a pending request to join a company.

    Approving makes the requester a user of the company, tells them, and tells
    every other user of the company who joined; refusing deletes the request
    (the account stays, with no company) and tells the requester. Raises
    JoinRequestDecided when the request is no longer pending and
    JoinRequestForbidden when ``by`` may not decide it.
    """
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    with transaction.atomic():
        join_request = (
            CompanyJoinRequest.objects.select_for_update()
            .filter(pk=join_request_id)
            .first()
        )
        if join_request is None:
            raise JoinRequestDecided
        if not can_decide_join_request(by, join_request):
            raise JoinRequestForbidden
        if join_request.status != JoinRequestStatus.PENDING:
            raise JoinRequestDecided
        requester = User.objects.select_for_update().get(pk=join_request.user_id)
        if decision == APPROVE:
            _approve(join_request, requester, by, base_url)
        else:
            _refuse(join_request, requester, base_url)
    logger.info(
        "join request %s of user %s for customer %s: %s by user %s",
        join_request_id,
        requester.pk,
        join_request.customer.code,
        decision,
        by.pk,
    )
    return join_request


def _approve(
    join_request: CompanyJoinRequest, requester: User, by: User, base_url: str
) -> None:
    if requester.partner_id is not None:
        # A user is a customer's or a partner's, never both.
        raise JoinRequestForbidden
    customer = join_request.customer
    existing = [m for m in company_members(customer, exclude=requester) if m.email]
    requester.customer = customer
    requester.save(update_fields=["customer"])
    join_request.status = JoinRequestStatus.APPROVED
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    messages = []
    requester_language = join_request.language or _company_language(customer)
    if requester.email:
        messages.append(
            prepare_email(
                "accounts/email/join_approved",
                {
                    "user": requester,
                    "customer": customer,
                    "link": absolute_link(
                        base_url, "accounts:profile", requester_language
                    ),
                },
                to=[requester.email],
                language=requester_language,
            )
        )
    language = _company_language(customer)
    members_link = absolute_link(base_url, "accounts:members", language)
    for member in existing:
        messages.append(
            prepare_email(
                "accounts/email/member_joined",
                {
                    "member": member,
                    "newcomer": requester,
                    "customer": customer,
                    "approved_by": by,
                    "members_link": members_link,
                },
                to=[member.email],
                language=language,
            )
        )
    if messages:
        queue_emails(messages)


def _refuse(join_request: CompanyJoinRequest, requester: User, base_url: str) -> None:
    customer = join_request.customer
    language = join_request.language or _company_language(customer)
    if requester.email:
        queue_emails(
            [
                prepare_email(
                    "accounts/email/join_refused",
                    {
                        "user": requester,
                        "customer": customer,
                        "link": absolute_link(base_url, "accounts:profile", language),
                    },
                    to=[requester.email],
                    language=language,
                )
            ]
        )
    join_request.delete()
