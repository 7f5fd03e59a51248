"""On PostgreSQL, an index of each search document's words outside the body.

A search with more matches than it ranks takes as candidates the newest matches with one
of its words in the headline, film, people or tags (weights A to C); this index finds
them without reading every matching document. SQLite's FTS5 filters by column as it is.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX reviews_search_prominent ON reviews_search"
    " USING gin (ts_filter(document, '{a,b,c}'))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reviews_search_prominent")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_listing_indexes")]

    operations = [migrations.RunPython(create_index, drop_index)]
