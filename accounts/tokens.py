from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the e-mail verification link. The hash covers ``is_active`` and
    ``email_verified_at``, so a link stops working once it has been used."""

    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        verified = user.email_verified_at.isoformat() if user.email_verified_at else ""
        return (
            f"{user.pk}{user.password}{user.is_active}{verified}{timestamp}{user.email}"
        )


email_verification_token = EmailVerificationTokenGenerator()


class JoinDecisionToken:
    """The signed part of an approve or refuse link in a request to join a
    company. It names the request, its requester, the company user it was sent
    to and the decision; it expires after ``max_age`` seconds, and works once
    because a decided request is no longer pending (a refused one is gone)."""

    salt = "accounts.tokens.JoinDecisionToken"

    def make_token(self, join_request, approver, decision: str) -> str:
        return signing.dumps(
            {
                "r": join_request.pk,
                "u": join_request.user_id,
                "a": approver.pk,
                "d": decision,
            },
            salt=self.salt,
        )

    def read_token(self, token: str, max_age: int) -> dict | None:
        """The signed fields, or None if the token is forged or expired."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=max_age)
        except signing.BadSignature:  # SignatureExpired is one too
            return None
        if not isinstance(data, dict) or not {"r", "u", "a", "d"} <= data.keys():
            return None
        return data


join_decision_token = JoinDecisionToken()
