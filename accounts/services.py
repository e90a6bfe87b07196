"""Domain logic for accounts: finding the user behind a login, registering a
customer's user, verifying e-mail addresses."""

import hmac
import logging

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from portal.mail import send_templated_email

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
    "Nome Utente"); later users log in with their e-mail address.

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
        transaction.on_commit(
            lambda: send_registration_attempt_email(
                existing, request_base_url, language
            )
        )
        logger.info("registration attempted for the address of user %s", existing.pk)
        return None
    username = customer.code
    if User.objects.filter(username__iexact=username).exists():
        username = email.lower()
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            customer=customer,
            is_active=False,
        )
        user.set_password(password)
        user.save()
        transaction.on_commit(
            lambda: send_verification_email(user, request_base_url, language)
        )
    logger.info("registered user %s for customer %s", user.pk, customer.code)
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
    if not user.is_active and user.email_verified_at is None:
        send_verification_email(user, base_url, language)
        return
    with translation.override(language):
        login_path = reverse("accounts:login")
        reset_path = reverse("accounts:password_reset")
    base = base_url.rstrip("/")
    send_templated_email(
        "accounts/email/registration_attempt",
        {
            "user": user,
            "login_link": base + login_path,
            "reset_link": base + reset_path,
        },
        to=[user.email],
        language=language,
    )


def send_verification_email(user: User, base_url: str, language: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    # The link opens the portal in the mail's language, whatever is active when
    # this runs (after the commit, possibly outside the request).
    with translation.override(language):
        path = reverse("accounts:verify_email", kwargs={"uidb64": uid, "token": token})
    send_templated_email(
        "accounts/email/verify_email",
        {"user": user, "link": base_url.rstrip("/") + path},
        to=[user.email],
        language=language,
    )


def verify_email(uidb64: str, token: str) -> User | None:
    """Activate the user behind a verification link; None if the link is invalid,
    expired or already used."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = User.objects.get(pk=pk)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not email_verification_token.check_token(user, token):
        return None
    user.is_active = True
    user.email_verified_at = timezone.now()
    user.save(update_fields=["is_active", "email_verified_at"])
    logger.info("verified e-mail of user %s", user.pk)
    return user
