"""API tokens: one per installation of the product, issued by an administrator
(``manage.py issue_api_token`` or the Wagtail admin), revocable. The token is
shown once; only its SHA-256 is stored (tokens are 256 random bits, so a fast
hash is enough: there is nothing to brute-force)."""

import hashlib
import secrets

from django.db.models import Q
from django.utils import timezone

from accounts.models import Customer

from .models import ApiToken

TOKEN_PREFIX = "spt_"  # noqa: S105 - a marker, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(
    customer: Customer, name: str = "", created_by=None
) -> tuple[ApiToken, str]:
    """Create a token for ``customer``; return the row and the raw token, which
    cannot be recovered later."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        customer=customer,
        name=name or customer.installation_code or customer.code,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        created_by=created_by,
    )
    return token, raw


def revoke_api_token(prefix_or_id: str) -> list[ApiToken]:
    """Revoke the active tokens whose id or prefix is ``prefix_or_id``."""
    query = Q(prefix=prefix_or_id[:12]) if len(prefix_or_id) >= 8 else Q(pk=-1)
    if prefix_or_id.isdigit():
        query |= Q(pk=int(prefix_or_id))
    tokens = list(ApiToken.objects.active().filter(query))
    now = timezone.now()
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    return tokens


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The active token ``raw`` stands for, its customer active too; else None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("customer", "customer__reference_partner")
        .filter(token_hash=hash_token(raw), customer__is_active=True)
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
