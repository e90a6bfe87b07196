from django.db import models
from django.utils.translation import gettext_lazy as _


class RateCounter(models.Model):
    """One rate-limit window of ``core.throttle`` when the cache cannot count
    atomically (the database cache): how many attempts ``key`` made in the
    window that ends at ``resets_at``. Written only by ``core.throttle``."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    # Seconds since the epoch: compared in one SQL statement on both databases.
    resets_at = models.FloatField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
