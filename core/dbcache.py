"""The shared cache in a database table, for a site without Redis (settings.CACHES)."""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now

# Rows per INSERT: three parameters each, well under SQLite's limit of 32,766.
ROWS_PER_STATEMENT = 500


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, setting many keys in one transaction and one statement per
    ROWS_PER_STATEMENT keys (an upsert SQLite and PostgreSQL both understand) where
    Django's counts the table, looks the key up and writes it, for each key and each in
    a transaction of its own: approving a thousand comments gives 800 pages new versions
    at once (core/pagecache.py)."""

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        expiry = self.expiry(timeout, connection)
        rows = [
            (self.make_and_validate_key(name, version=version), self.encoded(item), expiry)
            for name, item in data.items()
        ]
        table, key, value, expires = map(
            connection.ops.quote_name, (self._table, "cache_key", "value", "expires")
        )
        try:
            with transaction.atomic(using=db), connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (the table's name)
                count = cursor.fetchone()[0]
                if count > self._max_entries:  # as Django's set culls
                    self._cull(db, cursor, now(), count)
                for start in range(0, len(rows), ROWS_PER_STATEMENT):
                    batch = rows[start : start + ROWS_PER_STATEMENT]
                    cursor.execute(
                        f"INSERT INTO {table} ({key}, {value}, {expires}) "  # noqa: S608
                        f"VALUES {', '.join(['(%s, %s, %s)'] * len(batch))} "
                        f"ON CONFLICT ({key}) DO UPDATE "
                        f"SET {value} = excluded.{value}, {expires} = excluded.{expires}",
                        [field for row in batch for field in row],
                    )
        except DatabaseError:
            # As Django's set: a cache that cannot write says which keys it did not take.
            return list(data)
        return []

    def expiry(self, timeout, connection):
        """When a key set now with ``timeout`` expires, as ``connection`` writes it."""
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        return connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))

    def encoded(self, value):
        # The column holds text, as Django's own set writes it.
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
