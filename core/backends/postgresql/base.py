"""PostgreSQL as Django's own backend has it, with one difference: timestamps are read by
psycopg's loader (in C with psycopg[binary]) rather than Django's.

Django reads every ``timestamptz`` with a loader of its own, written in Python, so that it
can give each value the zone it works in. When that zone is UTC and so is the
connection's, psycopg's loader already gives the same values (aware, in
``datetime.timezone.utc``), several times faster: a review page with 200 comments reads
some 200 timestamps, and Django's loader was an eighth of the page's instructions.
"""

import datetime

from django.db.backends.postgresql import base
from psycopg import adapters, postgres
from psycopg.pq import Format

TIMESTAMPTZ = postgres.types["timestamptz"].oid
PSYCOPGS_LOADER = adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if self.reads_utc():
            cursor.adapters.register_loader(TIMESTAMPTZ, PSYCOPGS_LOADER)
        return cursor

    def reads_utc(self):
        """Whether Django gives timestamps the zone the connection reads them in: UTC."""
        return (
            self.timezone is datetime.UTC
            and self.connection.info.parameter_status("TimeZone") == "UTC"
        )
