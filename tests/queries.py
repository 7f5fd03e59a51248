"""What the database is asked: how many queries a page may cost, and how a query is read."""

from django.db import connection

# The most queries each public page may cost, whatever the size of the catalogue.
# home, tag and films: the list's page starts (its count), found once and cached: with the
# SQLite database's cache, one query for their keys' versions and one for them. Then home
# and tag: the page, its reviews' and films' tags (one query); home: the most used tags;
# tag: the tag, its films; films: the page, its directors, its review summaries.
# tags: the count, the page.
PAGE_QUERY_BUDGETS = {
    "home": 5,
    "review": 9,
    "film": 6,
    "films": 5,
    "tag": 6,
    "tags": 2,
    "person": 2,
    # critic: the critic, their links, the page starts (as for home), the page, its
    # reviews' and films' tags.
    "critic": 6,
}


def query_plan(queryset):
    """The database's plan for the queryset, as text. On PostgreSQL sorting is priced out,
    so a sort in the plan means no index can give the rows in order."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute("ANALYZE")
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
