"""Queries a page runs on every render, built and compiled by Django once per thread and
database, then run again with other values.

Building a queryset and compiling it to SQL costs more than the database's own work for
the small queries a page is made of: reading a review's pull quotes took 0.23 ms through
the ORM, and 0.01 ms as the same SQL run again. A ``PreparedQuery`` keeps the SQL that
Django compiled, with where each value goes, and reads rows as the queryset would (with
Django's converters: dates, booleans and the like, as each database needs them).

It is for queries whose SQL does not depend on the values: each value is a primary key
(an int, never None) or a time compared with a date-time column, and the queryset's shape
(its filters, columns, order) is the same whatever the value. Only ``values_list``
querysets, whose rows are plain tuples.
"""

import datetime
import threading

from django.db import DEFAULT_DB_ALIAS, connections

# Values standing in for the real ones while Django compiles, each found again among the
# compiled query's parameters: unlike any constant a query holds, and for an int in the
# range of every integer column (out of it, Django would compile a lookup as matching
# nothing).
STAND_IN_INT = 2_147_000_001
STAND_IN_TIME = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


class PreparedQuery:
    """``build(*values)``: the queryset (``values_list``) for these values, compiled once.
    Called with the values, it gives the queryset's rows as a list of tuples."""

    def __init__(self, build):
        self.build = build
        self.compiled = threading.local()  # each thread's database connections are its own

    def __call__(self, *values, using=DEFAULT_DB_ALIAS):
        connection = connections[using]
        compiled = self.compiled_for(connection, values)
        params = list(compiled.params)
        for position, index in compiled.slots:
            params[position] = as_parameter(values[index], connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        compiler = compiled.compiler
        if compiler.has_extra_select:  # columns only the ORDER BY needs, as Django trims
            rows = [row[: compiler.col_count] for row in rows]
        return list(compiler.results_iter(results=[rows], tuple_expected=True))

    def compiled_for(self, connection, values):
        by_alias = self.compiled.__dict__
        compiled = by_alias.get(connection.alias)
        if compiled is None or compiled.compiler.connection is not connection:
            compiled = by_alias[connection.alias] = Compiled(self.build, values, connection)
        return compiled


def stand_in(value, index):
    if isinstance(value, datetime.datetime):
        return STAND_IN_TIME + datetime.timedelta(microseconds=index + 1)
    if isinstance(value, int) and not isinstance(value, bool):
        return STAND_IN_INT + index
    raise TypeError(f"A prepared query takes primary keys and times, not {value!r}")


def as_parameter(value, connection):
    """The value as a lookup puts it among a query's parameters: a time as the database
    takes it (SQLite: as text in UTC)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Compiled:
    """A queryset's SQL as Django compiled it for ``connection``, with the places of the
    values in its parameters (``slots``: (position, which value))."""

    def __init__(self, build, values, connection):
        stand_ins = [stand_in(value, index) for index, value in enumerate(values)]
        queryset = build(*stand_ins)
        self.compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.params = tuple(params)
        marks = [as_parameter(value, connection) for value in stand_ins]
        self.slots = [
            (position, marks.index(param))
            for position, param in enumerate(self.params)
            if param in marks
        ]
        if sorted({index for _, index in self.slots}) != list(range(len(values))):
            raise ValueError(f"{build.__qualname__}: a value is not a parameter of its SQL")
