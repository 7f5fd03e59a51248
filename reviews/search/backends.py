"""The search documents and, for each database, the SQL that indexes and matches them."""

import html
import itertools
import json
from collections import defaultdict

from django.apps import apps as global_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags

from ..markdown import without_folded
from .query import (
    BATCH_SIZE,
    MAX_CANDIDATES,
    MAX_RESULTS,
    SNIPPET_WORDS,
    START,
    STOP,
    fts5_query,
    parse_query,
    plain_text,
)


def build_documents(review_ids, apps=global_apps):
    """``(review_id, headline, film, people, tags, body)`` for each of these reviews.

    Takes an app registry so that migrations can index with their historical models.
    """
    Review = apps.get_model("reviews", "Review")
    Credit = apps.get_model("reviews", "Credit")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    ContentType = apps.get_model("contenttypes", "ContentType")

    # A migration before reviews 0011 indexes with a Review that has no critic yet.
    has_critic = any(field.name == "critic" for field in Review._meta.get_fields())
    reviews = list(
        Review.objects.filter(pk__in=review_ids).values_list(
            "pk",
            "film_id",
            "film__title",
            "headline",
            "critic__name" if has_critic else "byline",
            "byline",
            "publication_name",
            "tagline",
            "dek",
            "body_html",
        )
    )
    film_ids = {film_id for _, film_id, *_ in reviews}
    people = defaultdict(list)
    credits = Credit.objects.filter(film_id__in=film_ids).order_by("position", "pk")
    for film_id, name in credits.values_list("film_id", "person__name"):
        if name not in people[film_id]:
            people[film_id].append(name)
    content_types = dict(
        ContentType.objects.filter(app_label="reviews", model__in=["film", "review"]).values_list(
            "model", "pk"
        )
    )
    tags = defaultdict(list)
    tagged = TaggedItem.objects.filter(
        Q(content_type_id=content_types.get("film"), object_id__in=film_ids)
        | Q(content_type_id=content_types.get("review"), object_id__in=[row[0] for row in reviews])
    )
    for content_type_id, object_id, name in tagged.order_by("tag__name").values_list(
        "content_type_id", "object_id", "tag__name"
    ):
        tags[content_type_id, object_id].append(name)

    documents = []
    for row in reviews:
        pk, film_id, film_title, headline, critic, byline, publication, tagline, dek, body_html = (
            row
        )
        # A spoiler is neither matched nor shown in a snippet: it gives away the film.
        body = html.unescape(strip_tags(without_folded(body_html)))
        review_tags = (
            tags[content_types.get("film"), film_id] + tags[content_types.get("review"), pk]
        )
        fields = [
            headline,
            film_title,
            " ".join(dict.fromkeys([*people[film_id], critic or "", byline, publication])),
            " ".join(dict.fromkeys(review_tags)),
            "\n".join(text for text in (tagline, dek, body) if text),
        ]
        documents.append((pk, *(plain_text(field) for field in fields)))
    return documents


class PostgresBackend:
    # ``{published}`` is a subquery on the review whose id is ``id_column``. The matches
    # come in no order: when there are more than ``MAX_RESULTS``, they are only counted.
    id_column = "reviews_search.review_id"
    matches_sql = (
        "SELECT review_id, ts_rank(document, websearch_to_tsquery('english', %s))"
        " FROM reviews_search WHERE document @@ websearch_to_tsquery('english', %s)"
        " AND EXISTS ({published}) LIMIT %s"
    )
    # Weights A to C are all but the body; migration 0006 indexes them.
    candidates_sql = (
        "(SELECT review_id, ts_rank(document, websearch_to_tsquery('english', %s))"
        "  FROM reviews_search"
        "  WHERE ts_filter(document, '{{a,b,c}}') @@ websearch_to_tsquery('english', %s)"
        "  AND document @@ websearch_to_tsquery('english', %s) AND EXISTS ({published})"
        "  ORDER BY review_id DESC LIMIT %s)"
        " UNION ALL"
        " (SELECT review_id, ts_rank(document, websearch_to_tsquery('english', %s))"
        "  FROM reviews_search"
        "  WHERE document @@ websearch_to_tsquery('english', %s) AND EXISTS ({published})"
        "  ORDER BY review_id DESC LIMIT %s)"
    )
    snippet_sql = (
        "SELECT ts_headline('english', body, websearch_to_tsquery('english', %s), %s)"
        " FROM reviews_search WHERE review_id = reviews_review.id"
    )
    headline_options = (
        f"StartSel={START}, StopSel={STOP}, MaxFragments=1,"
        f" MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
    )
    # Films by title and people by name: the expression migration 0008 indexes.
    named_sql = (
        "SELECT {fields}, ts_rank(to_tsvector('simple', {column}), query) AS rank"
        " FROM {table}, websearch_to_tsquery('simple', %s) AS query"
        " WHERE to_tsvector('simple', {column}) @@ query"
        " ORDER BY rank DESC, {column}, {table}.id LIMIT %s"
    )
    delete_sql = "DELETE FROM reviews_search WHERE review_id = ANY(%s)"
    insert_sql = (
        "INSERT INTO reviews_search (review_id, document, body) VALUES (%s,"
        " setweight(to_tsvector('english', %s), 'A')"
        " || setweight(to_tsvector('english', %s), 'B')"
        " || setweight(to_tsvector('english', %s), 'C')"
        " || setweight(to_tsvector('english', %s), 'C')"
        " || setweight(to_tsvector('english', %s), 'D'), %s)"
    )

    def search_terms(self, query):
        """The query, and any of its words or phrases; None when there is nothing to look for."""
        groups, _ = parse_query(query)
        if not groups:
            return None
        return query, " or ".join(f'"{term}"' for term in itertools.chain(*groups))

    def matches_params(self, terms, published_params, limit):
        query, _ = terms
        return [query, query, *published_params, limit]

    def candidates_params(self, terms, published_params):
        query, any_word = terms
        prominent = [query, any_word, query, *published_params, MAX_CANDIDATES]
        newest = [query, query, *published_params, MAX_RESULTS]
        return prominent + newest

    def snippet_params(self, terms):
        query, _ = terms
        return [query, self.headline_options]

    def named_params(self, terms, limit):
        query, _ = terms
        return [query, limit]

    def delete(self, cursor, review_ids):
        cursor.execute(self.delete_sql, [list(review_ids)])

    def insert(self, cursor, documents):
        # The body goes in twice: into the document, and as text for ts_headline.
        cursor.executemany(self.insert_sql, [(*document, document[-1]) for document in documents])


class SQLiteBackend:
    id_column = "reviews_search.rowid"
    matches_sql = (
        "SELECT rowid, -bm25(reviews_search, 10.0, 4.0, 2.0, 2.0, 1.0) FROM reviews_search"
        " WHERE reviews_search MATCH %s AND EXISTS ({published}) LIMIT %s"
    )
    # bm25() ranks only by the query of its own MATCH: one pass over the matches ranks the
    # candidates. The unary + keeps SQLite from looking each candidate up by rowid, which
    # re-reads the words' whole index for bm25() once per candidate.
    candidates_sql = (
        "SELECT rowid, -bm25(reviews_search, 10.0, 4.0, 2.0, 2.0, 1.0) FROM reviews_search"
        " WHERE reviews_search MATCH %s AND +rowid IN ("
        "  SELECT rowid FROM (SELECT rowid FROM reviews_search"
        "   WHERE reviews_search MATCH %s AND EXISTS ({published}) ORDER BY rowid DESC LIMIT %s)"
        "  UNION ALL"
        "  SELECT rowid FROM (SELECT rowid FROM reviews_search"
        "   WHERE reviews_search MATCH %s AND EXISTS ({published}) ORDER BY rowid DESC LIMIT %s)"
        ")"
    )
    snippet_sql = (
        "SELECT snippet(reviews_search, 4, %s, %s, %s, %s) FROM reviews_search"
        " WHERE reviews_search MATCH %s AND rowid = reviews_review.id"
    )
    named_sql = (
        "SELECT {fields}, -bm25({table}_search) AS rank FROM {table}_search"
        " JOIN {table} ON {table}.id = {table}_search.rowid WHERE {table}_search MATCH %s"
        " ORDER BY rank DESC, {column}, {table}.id LIMIT %s"
    )
    delete_sql = "DELETE FROM reviews_search WHERE rowid IN (SELECT value FROM json_each(%s))"
    insert_sql = (
        "INSERT INTO reviews_search (rowid, headline, film, people, tags, body)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
    )

    def search_terms(self, query):
        """The FTS5 query, and its prominent matches; None when there is nothing to look for."""
        query, prominent = fts5_query(query), fts5_query(query, prominent=True)
        return None if query is None else (query, prominent)

    def matches_params(self, terms, published_params, limit):
        query, _ = terms
        return [query, *published_params, limit]

    def candidates_params(self, terms, published_params):
        query, prominent = terms
        prominent_params = [prominent, *published_params, MAX_CANDIDATES]
        newest_params = [query, *published_params, MAX_RESULTS]
        return [query, *prominent_params, *newest_params]

    def snippet_params(self, terms):
        query, _ = terms
        return [START, STOP, "…", SNIPPET_WORDS, query]

    def named_params(self, terms, limit):
        query, _ = terms
        return [query, limit]

    def delete(self, cursor, review_ids):
        cursor.execute(self.delete_sql, [json.dumps(list(review_ids))])

    def insert(self, cursor, documents):
        cursor.executemany(self.insert_sql, documents)


BACKENDS = {"postgresql": PostgresBackend, "sqlite": SQLiteBackend}


def backend(connection=None):
    vendor = (connection or default_connection).vendor
    if vendor not in BACKENDS:
        raise ImproperlyConfigured(f"Search works on PostgreSQL and SQLite, not {vendor}.")
    return BACKENDS[vendor]()


def reindex(review_ids, apps=global_apps, connection=None):
    """Rebuild the search documents of these reviews; a review that no longer exists loses its."""
    connection = connection or default_connection
    search_backend = backend(connection)
    review_ids = sorted(set(review_ids))
    for start in range(0, len(review_ids), BATCH_SIZE):
        batch = review_ids[start : start + BATCH_SIZE]
        documents = build_documents(batch, apps)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            search_backend.delete(cursor, batch)
            search_backend.insert(cursor, documents)


def reindex_all(apps=global_apps, connection=None):
    """Rebuild every review's search document; returns how many reviews were indexed."""
    connection = connection or default_connection
    review_ids = list(apps.get_model("reviews", "Review").objects.values_list("pk", flat=True))
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reviews_search")
        reindex(review_ids, apps, connection)
    return len(review_ids)
