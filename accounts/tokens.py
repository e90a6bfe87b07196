from django.contrib.auth.tokens import PasswordResetTokenGenerator


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
