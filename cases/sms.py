"""Text messages to customers' mobiles, through a replaceable backend.

``SMS_BACKEND`` names it: ``"logging"`` (default: the message goes to the log,
nothing is sent), ``"http"`` (``HttpGatewaySmsBackend``: a JSON POST to
``SMS_GATEWAY_URL`` with ``Authorization: Bearer SMS_GATEWAY_TOKEN``), or the
dotted path of a ``BaseSmsBackend`` subclass.
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

BACKENDS = {
    "logging": "cases.sms.LoggingSmsBackend",
    "http": "cases.sms.HttpGatewaySmsBackend",
}


class SmsError(Exception):
    """The backend could not hand the message over."""


class BaseSmsBackend:
    def send(self, to: str, text: str) -> None:
        """Send ``text`` to the mobile number ``to``; raise SmsError on failure.
        Override in every backend."""
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    """Writes the message to the log instead of sending it (development, demo)."""

    def send(self, to, text):
        logger.info("SMS to %s: %s", to, text)


class HttpGatewaySmsBackend(BaseSmsBackend):
    """POSTs ``{"to", "text", "sender"}`` as JSON to an HTTP SMS gateway; any
    2xx answer counts as accepted."""

    def __init__(self, url=None, token=None, timeout=None, sender=None):
        self.url = url or getattr(settings, "SMS_GATEWAY_URL", None)
        self.token = token or getattr(settings, "SMS_GATEWAY_TOKEN", None)
        self.timeout = timeout or getattr(settings, "SMS_GATEWAY_TIMEOUT", 5)
        self.sender = sender or getattr(settings, "SMS_SENDER", "Sportello")
        if not self.url or not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                "SMS_BACKEND 'http' needs SMS_GATEWAY_URL (an http(s):// URL)"
            )

    def send(self, to, text):
        payload = json.dumps({"to": to, "text": text, "sender": self.sender})
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url,
            data=payload.encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")


def get_sms_backend() -> BaseSmsBackend:
    name = getattr(settings, "SMS_BACKEND", None) or "logging"
    path = BACKENDS.get(name, name)
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_BACKEND {name!r} cannot be imported") from exc
    if not (
        isinstance(backend_class, type) and issubclass(backend_class, BaseSmsBackend)
    ):
        raise ImproperlyConfigured(f"SMS_BACKEND {name!r} is not an SMS backend")
    return backend_class()


def send_sms(to: str, text: str) -> bool:
    """Send one SMS now through the configured backend; log and return False
    on failure (an SMS is a courtesy: the e-mail is the message of record)."""
    try:
        get_sms_backend().send(to, text)
    except SmsError:
        logger.warning("SMS to %s not sent", to, exc_info=True)
        return False
    return True
