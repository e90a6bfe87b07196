"""Publishing the clauses in the Wagtail admin freezes them as a new version;
every ``migrate`` puts back the consent records' triggers."""

from django.db import connections
from django.db.models.signals import post_migrate
from wagtail.signals import published

from .models import ConsentText
from .triggers import create_record_triggers


def snapshot_published_clauses(sender, instance, revision=None, **kwargs):
    # A publication scheduled for later fires this with live=False: the
    # version is made when it actually goes live.
    if not instance.live:
        return
    from .services import snapshot_consent_version

    user = getattr(revision, "user", None) if revision is not None else None
    snapshot_consent_version(instance, user=user)


def recreate_record_triggers(sender, using, **kwargs):
    # On SQLite, a later migration that alters a record table rebuilds it
    # without its triggers (whichever app's migration it is). Creating them
    # is idempotent, so do it after every migrate rather than rely on each
    # such migration remembering to.
    create_record_triggers(connections[using])


def connect(app_config) -> None:
    post_migrate.connect(
        recreate_record_triggers,
        sender=app_config,
        dispatch_uid="remote.recreate_record_triggers",
    )
    published.connect(
        snapshot_published_clauses,
        sender=ConsentText,
        dispatch_uid="remote.snapshot_published_clauses",
    )
