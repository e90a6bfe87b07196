"""SMS through the HTTP gateway backend, against a small HTTP server started on
127.0.0.1 by the test (the "gateway outside the project")."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from cases.services import add_case_message
from cases.sms import HttpGatewaySmsBackend, SmsError, get_sms_backend, send_sms

pytestmark = pytest.mark.django_db


class Gateway:
    """Records every request; answers with ``status``."""

    def __init__(self, status=202):
        self.status = status
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(gateway.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    with Gateway() as running:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = running.url
        settings.SMS_GATEWAY_TOKEN = "gateway-secret"
        settings.SMS_SENDER = "Sportello"
        yield running


def test_partner_reply_sends_an_sms_through_the_gateway(
    gateway, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case(notify_mobile="+393471234567")

    with django_capture_on_commit_callbacks(execute=True):
        add_case_message(case, world.partner, "Risolto.")

    (request,) = gateway.requests
    assert request["path"] == "/send"
    assert request["authorization"] == "Bearer gateway-secret"
    assert request["content_type"] == "application/json"
    assert request["body"]["to"] == "+393471234567"
    assert request["body"]["sender"] == "Sportello"
    assert case.number in request["body"]["text"]
    assert f"/it/cases/{case.number}/" in request["body"]["text"]
    assert len(mail.outbox) == 1  # the e-mail goes out as well


def test_no_sms_without_a_mobile_number(
    gateway, world, make_case, django_capture_on_commit_callbacks
):
    case = make_case(notify_mobile="")

    with django_capture_on_commit_callbacks(execute=True):
        add_case_message(case, world.partner, "Risolto.")

    assert gateway.requests == []
    assert len(mail.outbox) == 1


def test_gateway_error_is_reported_and_does_not_break_the_reply(
    settings, world, make_case, django_capture_on_commit_callbacks
):
    with Gateway(status=503) as failing:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = failing.url
        case = make_case(notify_mobile="+393471234567")

        with pytest.raises(SmsError):
            HttpGatewaySmsBackend().send("+393471234567", "x")
        assert send_sms("+393471234567", "x") is False
        with django_capture_on_commit_callbacks(execute=True):
            message = add_case_message(case, world.partner, "Risolto.")

    assert message.pk is not None
    assert len(mail.outbox) == 1


def test_unreachable_gateway_is_an_sms_error(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"

    with pytest.raises(SmsError):
        HttpGatewaySmsBackend(timeout=2).send("+393471234567", "x")


def test_backend_configuration_errors_fail_loudly(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(ImproperlyConfigured):
        get_sms_backend()

    settings.SMS_BACKEND = "cases.sms.NoSuchBackend"
    with pytest.raises(ImproperlyConfigured):
        get_sms_backend()

    settings.SMS_BACKEND = "cases.models.Case"
    with pytest.raises(ImproperlyConfigured):
        get_sms_backend()


def test_logging_backend_is_the_default(settings, caplog):
    import logging

    del settings.SMS_BACKEND
    with caplog.at_level(logging.INFO, logger="cases.sms"):
        assert send_sms("+393471234567", "hello") is True

    assert "SMS to +393471234567: hello" in caplog.text
