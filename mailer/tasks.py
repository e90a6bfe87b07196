from django_tasks import task

from .services import deliver_queued_email


@task()
def deliver_email(email_id: int) -> str:
    """Send one outbox message (see ``mailer.services.deliver_queued_email``)."""
    return deliver_queued_email(email_id)
