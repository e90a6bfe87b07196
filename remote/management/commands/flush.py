"""Django's ``flush``, able to empty the consent records on SQLite too.

On PostgreSQL ``flush`` truncates, which row triggers do not see; on SQLite it
deletes row by row, which the records' triggers refuse. Emptying the whole
database (as the test runner does between transactional tests) is not the
change those triggers guard against, so this command drops them for the flush
and creates them again afterwards."""

from django.core.management.commands import flush
from django.db import connections

from remote.triggers import create_record_triggers, drop_record_triggers


class Command(flush.Command):
    help = flush.Command.help + (
        " The consent records' triggers are lifted for the flush on SQLite."
    )

    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        drop_record_triggers(connection)
        try:
            return super().handle(**options)
        finally:
            create_record_triggers(connection)
