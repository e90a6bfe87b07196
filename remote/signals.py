"""Publishing the clauses in the Wagtail admin freezes them as a new version."""

from wagtail.signals import published

from .models import ConsentText


def snapshot_published_clauses(sender, instance, revision=None, **kwargs):
    # A publication scheduled for later fires this with live=False: the
    # version is made when it actually goes live.
    if not instance.live:
        return
    from .services import snapshot_consent_version

    user = getattr(revision, "user", None) if revision is not None else None
    snapshot_consent_version(instance, user=user)


def connect() -> None:
    published.connect(
        snapshot_published_clauses,
        sender=ConsentText,
        dispatch_uid="remote.snapshot_published_clauses",
    )
