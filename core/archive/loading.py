"""How the archive's rows go in: shared build state, bulk inserts, fast loading, statistics."""

import random
import time
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection
from django.db.models import DateTimeField, Max
from django.utils import timezone


class Loader:
    """What every step of a build shares: one random source (the same seed builds the
    same archive), the time the archive's dates count back from, the batch size, and the
    output progress is reported to."""

    def __init__(self, seed, batch_size, stdout):
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.now = timezone.now().replace(microsecond=0)
        self.stdout = stdout

    def step(self, label, function, *args):
        self.stdout.write(f"{label}…")
        self.stdout.flush()
        started = time.perf_counter()
        result = function(*args)
        self.stdout.write(f"  {label}: done in {time.perf_counter() - started:.1f} s")
        return result

    def progress(self, label, done, total, started):
        """A line at every tenth of the way, and at the end."""
        if total and (
            done == total or done * 10 // total != (done - self.batch_size) * 10 // total
        ):
            elapsed = time.perf_counter() - started
            self.stdout.write(f"  {label}: {done:,} of {total:,} ({elapsed:.0f} s)")
            self.stdout.flush()

    def next_id(self, model):
        return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def insert(self, model, objects):
        model.objects.bulk_create(objects, batch_size=self.batch_size)


def insert_rows(model, rows):
    """Insert rows given as dicts of field name to value; absent fields take their
    defaults. For the largest table: bulk_create spends most of its time making a model
    instance and compiling SQL for each value, and this makes neither; on PostgreSQL
    the rows go in with COPY. Values must be what the database driver takes as they
    are, except datetimes, adapted here."""
    if not rows:
        return
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    defaults = [field.get_default() for field in fields]
    names = [field.attname for field in fields]
    datetimes = [n for n, field in enumerate(fields) if isinstance(field, DateTimeField)]
    adapt = connection.ops.adapt_datetimefield_value
    values = []
    for row in rows:
        value = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
        for position in datetimes:
            value[position] = adapt(value[position])
        values.append(value)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: PostgreSQL's bulk load
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, values)


@contextmanager
def fast_loading():
    """Loading settings for this connection: on SQLite, no fsync and a large cache; on
    PostgreSQL, commits that do not wait for the disk. Fine for a load one can redo."""
    loading, normal = {
        "sqlite": (
            [
                "PRAGMA synchronous = OFF",
                "PRAGMA cache_size = -1048576",
                "PRAGMA temp_store = MEMORY",
            ],
            ["PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -2000"],
        ),
        "postgresql": (["SET synchronous_commit = off"], ["SET synchronous_commit = on"]),
    }.get(connection.vendor, ([], []))
    if connection.in_atomic_block:  # SQLite refuses to change them in a transaction
        loading, normal = [], []
    with connection.cursor() as cursor:
        for statement in loading:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in normal:
                cursor.execute(statement)


def reset_sequences(models):
    """Ids were chosen here: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def analyze():
    """Fresh planner statistics, as after any bulk load, so queries use the right
    indexes; on PostgreSQL also the visibility map, so index-only scans are."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
