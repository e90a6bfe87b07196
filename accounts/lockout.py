"""Failed-login lockout (django-axes) with two caps.

Axes counts failures per lockout-parameter combination but compares them all
with one limit. Per username and address, five is right; per address alone it
would lock out a whole office behind one NAT address after five typos. So the
per-address cap is a second, higher limit: ``ACCOUNTS_ADDRESS_FAILURE_LIMIT``
failures from one address, whatever usernames were tried, lock that address out
for the cool-off as well.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.db.models import Sum

from . import conf


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler, plus a cap on failures per client address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if address is None:
            return failures
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if get_cool_off(request) is not None:
            attempts = attempts.filter(
                attempt_time__gte=get_cool_off_threshold(request)
            )
        from_address = attempts.aggregate(total=Sum("failures_since_start"))["total"]
        if (from_address or 0) >= conf.ADDRESS_FAILURE_LIMIT:
            # Axes compares one number with AXES_FAILURE_LIMIT: an address over
            # its own cap counts as an account at its limit.
            return max(failures, get_failure_limit(request, credentials))
        return failures
