"""Accounts settings, each overridable in Django settings as ``ACCOUNTS_<NAME>``.

``REGISTER_RATE``: (attempts, seconds) per client address for self-registration.
``RESET_RATE``: (attempts, seconds) per client address for password-reset requests.
"""

from django.conf import settings

REGISTER_RATE: tuple[int, int] = getattr(settings, "ACCOUNTS_REGISTER_RATE", (10, 3600))
RESET_RATE: tuple[int, int] = getattr(settings, "ACCOUNTS_RESET_RATE", (10, 3600))
