from django_tasks import task

from .sms import send_sms


@task()
def send_sms_task(to: str, text: str) -> bool:
    """Send one SMS in the background (see ``cases.sms.send_sms``)."""
    return send_sms(to, text)
