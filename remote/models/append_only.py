"""Append-only records: once written, a row is never changed or deleted by any
code path (the portal, the Wagtail admin, a shell). Corrections are new rows:
a revocation, a new consent version, a new session event."""

from django.core.exceptions import PermissionDenied
from django.db import models


class ImmutableRecordError(PermissionDenied):
    """An attempt to change or delete an append-only record. A subclass of
    PermissionDenied so that a view that hits it answers 403, not 500."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be updated.")

    def delete(self):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be deleted.")

    delete.alters_data = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    """Insert once; ``save()`` of an existing row and ``delete()`` raise.

    Foreign keys on these models use PROTECT: deleting what a record points to
    would otherwise have Django null or cascade it behind our back."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *, force_insert=False, force_update=False, using=None, **kwargs):
        if not self._state.adding or force_update or kwargs.get("update_fields"):
            raise ImmutableRecordError(
                f"{type(self).__name__} {self.pk} cannot be changed: it is a record."
            )
        # An explicit primary key of an existing row must fail, not overwrite it.
        super().save(force_insert=True, using=using)

    save.alters_data = True

    def delete(self, using=None, keep_parents=False):
        raise ImmutableRecordError(
            f"{type(self).__name__} {self.pk} cannot be deleted: it is a record."
        )

    delete.alters_data = True
