"""Search finds films (reviewed or not) and people by name, and reviews by byline and
publication.

- PostgreSQL: a GIN index of each film's title and each person's name as words
  (the 'simple' configuration: names are not stemmed, and no word of a title is a stop
  word); searches use the same expression, so the index is always up to date.
- SQLite: an FTS5 table for each, reading the names from the table itself, kept up to
  date by triggers, so that bulk inserts are indexed too. A later migration that makes
  SQLite rebuild ``reviews_film`` or ``reviews_person`` drops their triggers: it must
  create them again (reviews/tests/test_search.py checks they are there).

The review documents gain the byline and the publication; every one is rebuilt.
"""

from django.db import migrations

from reviews import search

NAMED = [("reviews_film", "title"), ("reviews_person", "name")]


def sqlite_statements(table, column):
    fts = f"{table}_search"
    new, old = f"(new.id, new.{column})", f"('delete', old.id, old.{column})"
    insert = f"INSERT INTO {fts} (rowid, {column}) VALUES {new};"
    delete = f"INSERT INTO {fts} ({fts}, rowid, {column}) VALUES {old};"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}',"
        " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table}"
        f" BEGIN {delete} {insert} END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]


def postgres_statements(table, column):
    return [
        f"CREATE INDEX {table}_search ON {table} USING gin (to_tsvector('simple', {column}))"
    ]


CREATE = {"sqlite": sqlite_statements, "postgresql": postgres_statements}


def create_search_indexes(apps, schema_editor):
    connection = schema_editor.connection
    for table, column in NAMED:
        for statement in CREATE[connection.vendor](table, column):
            schema_editor.execute(statement)
    search.reindex_all(apps, connection)


def drop_search_indexes(apps, schema_editor):
    for table, _ in NAMED:
        if schema_editor.connection.vendor == "sqlite":
            for trigger in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_{trigger}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_search")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0008_web_addresses_http_or_https")]

    operations = [migrations.RunPython(create_search_indexes, drop_search_indexes)]
