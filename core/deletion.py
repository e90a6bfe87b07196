"""What a deletion would run into: the rows that refer to an object through
``PROTECT`` or ``RESTRICT`` foreign keys, which make Django refuse to delete it
(``ProtectedError``), e.g. a company that still has users or cases.

The Wagtail admin's delete views would turn that refusal into a server error:
``core.wagtail_hooks`` asks here first and answers with a message instead."""

from collections import Counter
from collections.abc import Sequence

from django.db import models, router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError


def protected_references(instance: models.Model) -> Counter:
    """The models whose rows would block deleting ``instance``, with how many
    rows each; empty when it can be deleted. Reads only."""
    collector = Collector(using=router.db_for_write(type(instance)), origin=instance)
    try:
        collector.collect([instance])
    except ProtectedError as error:
        blocking = error.protected_objects
    except RestrictedError as error:
        blocking = error.restricted_objects
    else:
        return Counter()
    return Counter(type(row)._meta for row in blocking)


def describe_references(references: Counter) -> str:
    """'2 users, 1 case' in the active language, biggest first."""
    return ", ".join(
        f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"
        for meta, count in references.most_common()
    )


def blocked_deletions(instances: Sequence[models.Model]) -> dict:
    """The instances that cannot be deleted, each with what blocks it."""
    found = {}
    for instance in instances:
        references = protected_references(instance)
        if references:
            found[instance] = references
    return found
