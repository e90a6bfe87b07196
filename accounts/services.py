"""Domain logic for accounts: finding the user behind a login, registering a
customer's user, verifying e-mail addresses, password-reset links.

Every message goes through the mailer's outbox (``mailer.services.queue_email``):
stored with the change that causes it and retried until delivered, so an SMTP
outage delays a verification or reset link instead of losing it (or answering
500 and leaving an account nobody can confirm)."""

import hmac
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from mailer.services import queue_email

from .membership import (
    absolute_link,
    is_first_user,
    pending_join_request,
    request_company_join,
    settle_membership,
)
from .models import Customer, User
from .tokens import email_verification_token

logger = logging.getLogger(__name__)


class RegistrationError(Exception):
    """The customer code and installation code do not prove membership."""


def find_login_user(identifier: str) -> User | None:
    """The user behind what was typed in "customer code or e-mail".

    A username (for a company's first user: its customer code) wins; otherwise an
    e-mail address that belongs to exactly one user.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    user = User.objects.filter(username__iexact=identifier).first()
    if user is not None:
        return user
    matches = list(User.objects.filter(email__iexact=identifier)[:2])
    return matches[0] if len(matches) == 1 else None


def lockout_name(identifier: str) -> str:
    """The name failed logins are counted against (django-axes).

    The username of the user behind ``identifier``, so that the customer code and
    the e-mail address, in any mix of case, count as one account; for an unknown
    identifier, the identifier stripped and lower-cased.
    """
    user = find_login_user(identifier)
    if user is not None:
        return user.get_username()
    return (identifier or "").strip().lower()


def find_member_customer(customer_code: str, installation_code: str) -> Customer:
    """The active customer whose codes both match, or RegistrationError."""
    customer = Customer.objects.filter(
        code=customer_code.strip(), is_active=True
    ).first()
    expected = customer.installation_code if customer else ""
    # Compare in constant time, and compare even when no customer matched, so
    # that timing does not tell which of the two codes was wrong.
    matches = hmac.compare_digest(
        expected.strip().encode(), installation_code.strip().encode()
    )
    if customer is None or not expected or not matches:
        raise RegistrationError
    return customer


def register_customer_user(
    *,
    customer: Customer,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    request_base_url: str,
    language: str,
) -> User | None:
    """Create an inactive user for ``customer`` and e-mail a verification link.

    The company's first user gets the customer code as username (the manual's
    "Nome Utente") and belongs to the company once the address is confirmed.
    Anyone registering when the company already has an active user only asks
    to join it (``accounts.membership``): no company until a user of the
    company approves. Later users log in with their e-mail address.

    When the address already has an account, nothing is created and None is
    returned; the caller answers exactly as for a new account, so that the form
    does not tell who has an account. The address's owner gets the mail instead:
    a new verification link if the account was never verified, otherwise a
    notice that someone tried to register with the address.
    """
    email = User.objects.normalize_email(email).strip()
    existing = find_email_owner(email)
    if existing is not None:
        # Spend the time hashing would have taken: a quicker answer would tell.
        make_password(password)
        send_registration_attempt_email(existing, request_base_url, language)
        logger.info("registration attempted for the address of user %s", existing.pk)
        return None
    joining = not is_first_user(customer)
    username = customer.code
    if joining or User.objects.filter(username__iexact=username).exists():
        username = email.lower()
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            customer=None if joining else customer,
            is_active=False,
        )
        user.set_password(password)
        user.save()
        if joining:
            request_company_join(user, customer, language)
        # In the outbox with the user: both are committed, or neither.
        send_verification_email(user, request_base_url, language)
    logger.info(
        "registered user %s for customer %s%s",
        user.pk,
        customer.code,
        " (asks to join)" if joining else "",
    )
    return user


def find_email_owner(email: str) -> User | None:
    """The user whose e-mail address (or username) is ``email``, any case."""
    email = (email or "").strip()
    if not email:
        return None
    return (
        User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("pk")
        .first()
    )


def send_registration_attempt_email(user: User, base_url: str, language: str) -> None:
    """Tell the owner of an address that someone registered with it: a fresh
    verification link if they never verified it (they may have lost the first
    mail), otherwise a notice with the login and password-reset links."""
    if not user.email:
        return
    if is_awaiting_verification(user):
        send_verification_email(user, base_url, language)
        return
    queue_email(
        "accounts/email/registration_attempt",
        {
            "user": user,
            "login_link": absolute_link(base_url, "accounts:login", language),
            "reset_link": absolute_link(base_url, "accounts:password_reset", language),
        },
        to=[user.email],
        language=language,
    )


def send_verification_email(user: User, base_url: str, language: str) -> None:
    """Queue a fresh link that confirms ``user``'s address (and activates it)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    link = absolute_link(
        base_url, "accounts:verify_email", language, uidb64=uid, token=token
    )
    queue_email(
        "accounts/email/verify_email",
        {
            "user": user,
            "link": link,
            "join_request": pending_join_request(user),
        },
        to=[user.email],
        language=language,
    )


def is_awaiting_verification(user: User) -> bool:
    """Registered but never confirmed its address, so it cannot log in yet. An
    account that was active once (it has logged in) and is inactive now was
    switched off by staff: no link of ours switches it back on."""
    return (
        not user.is_active
        and user.email_verified_at is None
        and user.last_login is None
    )


def resend_verification_email(email: str, base_url: str, language: str) -> bool:
    """Queue a new verification link when ``email`` belongs to an account that
    still awaits it; True if one was queued. The caller answers the same either
    way, so that the form does not tell who has an account."""
    user = find_email_owner(email)
    if user is None or not user.email or not is_awaiting_verification(user):
        return False
    send_verification_email(user, base_url, language)
    logger.info("verification link sent again to user %s", user.pk)
    return True


def send_password_reset_email(email: str, base_url: str, language: str) -> int:
    """Queue a password-reset link to every active account at ``email``; an
    account that never confirmed its address gets a new verification link
    instead (a new password alone would not let it log in). Returns how many
    messages were queued; the caller answers the same whatever the number."""
    email = (email or "").strip()
    if not email:
        return 0
    base = urlsplit(base_url)
    queued = 0
    for user in User.objects.filter(email__iexact=email).order_by("pk"):
        if is_awaiting_verification(user):
            send_verification_email(user, base_url, language)
        elif user.is_active and user.has_usable_password():
            queue_email(
                "accounts/email/password_reset",
                {
                    "user": user,
                    "email": user.email,
                    "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                    "protocol": base.scheme,
                    "domain": base.netloc,
                },
                to=[user.email],
                language=language,
            )
        else:
            continue
        queued += 1
    logger.info("password reset asked: %d message(s) queued", queued)
    return queued


def verify_email(uidb64: str, token: str, base_url: str | None = None) -> User | None:
    """Activate the user behind a verification link; None if the link is invalid,
    expired or already used.

    A user who asks to join a company (``accounts.membership``) is active from
    now on but still without a company: the company's users are asked, with
    links under ``base_url`` (default ``WAGTAILADMIN_BASE_URL``)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    if not 0 < pk < 2**63:
        return None
    with transaction.atomic():
        # Locked, so that a link opened twice at once confirms (and asks the
        # company's users) once.
        user = User.objects.select_for_update().filter(pk=pk).first()
        if user is None or not email_verification_token.check_token(user, token):
            return None
        user.is_active = True
        user.email_verified_at = timezone.now()
        user.save(update_fields=["is_active", "email_verified_at"])
        settle_membership(user, base_url or settings.WAGTAILADMIN_BASE_URL)
    logger.info("verified e-mail of user %s", user.pk)
    return user
