from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def remove_orphan_fulltext_rows(sender, using, **kwargs) -> None:
    """The full-text tables are not Django models: when the models' tables
    are flushed (tests do it between transactional tests), drop their rows."""
    from django.db import connections

    from .backends.database import ENGINES, DatabaseSearchBackend

    connection = connections[using]
    engine = ENGINES.get(connection.vendor)
    if engine is None or engine.fulltext_table not in (
        connection.introspection.table_names()
    ):
        return
    DatabaseSearchBackend("post_migrate", {"DATABASE": using}).remove_orphans()


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Document search")

    def ready(self) -> None:
        from wagtail.contrib.search_promotions.models import Query, SearchPromotion

        from .promotions import forget_promoted_queries

        post_migrate.connect(remove_orphan_fulltext_rows, sender=self)
        for model in (SearchPromotion, Query):
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(
                    forget_promoted_queries,
                    sender=model,
                    dispatch_uid=f"search_promoted_{model.__name__}_{name}",
                )
