"""The search index: a document per review, in a table that depends on the database.

No Django model describes it; ``reviews.search`` reads and writes it with SQL. On
PostgreSQL ``review_id`` has no foreign key, as on SQLite, where FTS5 tables cannot have
one: ``manage.py flush`` truncates the tables Django knows, and PostgreSQL refuses to
truncate a table another references. Deleting a review deletes its document after commit,
and searches only return reviews that exist and are published.
"""

from django.db import migrations

from reviews import search

CREATE = {
    "postgresql": [
        """
        CREATE TABLE reviews_search (
            review_id bigint PRIMARY KEY,
            document tsvector NOT NULL,
            body text NOT NULL
        )
        """,
        "CREATE INDEX reviews_search_document ON reviews_search USING gin (document)",
    ],
    "sqlite": [
        """
        CREATE VIRTUAL TABLE reviews_search USING fts5(
            headline, film, people, tags, body,
            tokenize = 'porter unicode61 remove_diacritics 2'
        )
        """,
    ],
}


def create_search_index(apps, schema_editor):
    connection = schema_editor.connection
    for statement in CREATE[connection.vendor]:
        schema_editor.execute(statement)
    search.reindex_all(apps, connection)


def drop_search_index(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS reviews_search")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reviews", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
