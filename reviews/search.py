"""Full-text search over reviews, films and people, on PostgreSQL or SQLite.

Every review, drafts included, has a search document in the table ``reviews_search``
(created by migration 0003); searches keep only published reviews, so a scheduled review
becomes searchable when its time comes. The document's fields, from most to least weight:
headline, film title, people (the film's credits, the review's byline and publication),
tags (the film's and the review's), body (tagline, dek and the rendered body as plain
text).

Films, reviewed or not, are found by title and people by name (migration 0008): on
PostgreSQL from a GIN index of the names' words, on SQLite from FTS5 tables that
triggers keep up to date. At most ``MAX_NAMED`` of each are counted.

- PostgreSQL: a ``tsvector`` with a GIN index. Weights A headline, B film, C people and
  tags, D body; queries go through ``websearch_to_tsquery``, ranked with ``ts_rank``.
- SQLite: an FTS5 table, ranked with ``bm25`` weighted 10, 4, 2, 2, 1 like PostgreSQL's
  default 1.0, 0.4, 0.2, 0.1; the web search syntax is translated to FTS5 here, with every
  word quoted, so nothing a reader types is ever FTS5 syntax.

Both understand "quoted phrases", ``-word`` to leave a word out and ``or`` between words.

Ranking reads each match's document, so a search ranks a few thousand at most. When more
than ``MAX_RESULTS`` reviews match, it offers the best ``MAX_RESULTS`` of two sets of
candidates: the newest ``MAX_CANDIDATES`` matches with one of the words outside the body
(in the headline, film, people or tags, which outweigh the body), and the newest
``MAX_RESULTS`` matches of all.
"""

import html
import itertools
import json
import re
from collections import defaultdict

from django.apps import apps as global_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db import transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.pagination import ApproximateCount

from .models import Film, Person, Review

MAX_QUERY_LENGTH = 200
MAX_TERMS = 32
MAX_RESULTS = 1000
MAX_CANDIDATES = 5000
MAX_NAMED = 100  # films, or people, counted for a query; the best few are shown
NAMED_SHOWN = 8
SNIPPET_WORDS = 32
BATCH_SIZE = 500
# The database wraps matches in snippets in these; indexed text never contains them.
START, STOP = "\x02", "\x03"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]")


def normalise_query(query):
    """The query as searched: no control characters, spaces collapsed, at most 200 characters."""
    return " ".join(_CONTROL.sub(" ", query or "").split())[:MAX_QUERY_LENGTH]


def parse_query(query):
    """Read web search syntax into ``(groups, excluded)``: every group must match (any one
    of its terms), no excluded term may. Terms are words or phrases, as typed; terms with
    no letter or digit are dropped, as PostgreSQL drops them."""
    groups, excluded, either = [], [], False
    for match in itertools.islice(_TOKEN.finditer(query), MAX_TERMS):
        negated, phrase, word = match.groups()
        if phrase is None and not negated and word.lower() == "or":
            either = bool(groups)
            continue
        term = word if phrase is None else phrase
        if not _WORD.search(term):
            continue
        if negated:
            excluded.append(term)
        elif either:
            groups[-1].append(term)
        else:
            groups.append([term])
        either = False
    return groups, excluded


def fts5_query(query, prominent=False):
    """The FTS5 query for a web search query, or None when there is nothing to look for.
    With ``prominent``, only its matches with one of its words outside the body."""
    groups, excluded = parse_query(query)
    if not groups:
        return None

    def any_of(terms):
        return "(" + " OR ".join('"' + term.replace('"', '""') + '"' for term in terms) + ")"

    required = " AND ".join(any_of(group) for group in groups)
    if prominent:
        words = any_of(itertools.chain(*groups))
        required = f"({required}) AND {{headline film people tags}} : {words}"
    return f"({required}) NOT {any_of(excluded)}" if excluded else required


def highlight(snippet):
    """The snippet HTML-escaped, with the database's match marks made into ``<mark>``."""
    marked = escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(marked)  # escaped above: the marks are the only HTML


def plain_text(text):
    return _CONTROL.sub(" ", text or "")


def build_documents(review_ids, apps=global_apps):
    """``(review_id, headline, film, people, tags, body)`` for each of these reviews.

    Takes an app registry so that migrations can index with their historical models.
    """
    Review = apps.get_model("reviews", "Review")
    Credit = apps.get_model("reviews", "Credit")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    ContentType = apps.get_model("contenttypes", "ContentType")

    reviews = list(
        Review.objects.filter(pk__in=review_ids).values_list(
            "pk",
            "film_id",
            "film__title",
            "headline",
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
    for pk, film_id, film_title, headline, byline, publication, tagline, dek, body_html in reviews:
        body = html.unescape(strip_tags(body_html))
        review_tags = (
            tags[content_types.get("film"), film_id] + tags[content_types.get("review"), pk]
        )
        fields = [
            headline,
            film_title,
            " ".join([*people[film_id], byline, publication]),
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


class SearchResults:
    """Published reviews matching a query, best first, for a Paginator.

    ``count()`` is one query, or two with more than ``MAX_RESULTS`` matches, and then an
    ``ApproximateCount``; it ranks the results. Each slice is one query for its reviews and
    their snippets. Each review carries ``rank`` and ``snippet``.
    """

    ordered = True

    def __init__(self, query):
        self.query = normalise_query(query)
        self.backend = backend()
        self.terms = self.backend.search_terms(self.query)
        self.published = Review.objects.published()

    @property
    def truncated(self):
        """True when more reviews match than are offered."""
        return self._ranking[1]

    @cached_property
    def _ranking(self):
        """``([(review_id, rank), ...] best first, truncated)``."""
        if self.terms is None:
            return [], False
        published = self.published.filter(pk=RawSQL(self.backend.id_column, ()))  # noqa: S611
        published_sql, published_params = published.order_by().values("pk").query.sql_with_params()
        matches = self.backend.matches_sql.format(published=published_sql)
        params = self.backend.matches_params(self.terms, published_params, MAX_RESULTS + 1)
        with default_connection.cursor() as cursor:
            # The SQL is the backend's own; the reader's words are only parameters.
            cursor.execute(matches, params)
            ranks = dict(cursor.fetchall())
            truncated = len(ranks) > MAX_RESULTS
            if truncated:
                candidates = self.backend.candidates_sql.format(published=published_sql)
                params = self.backend.candidates_params(self.terms, published_params)
                cursor.execute(candidates, params)
                ranks = dict(cursor.fetchall())
        best = sorted(ranks.items(), key=lambda row: (row[1], row[0]), reverse=True)
        return best[:MAX_RESULTS], truncated

    def films(self):
        """Films, reviewed or not, whose titles match the query."""
        return NamedMatches(
            Film, "title", ["id", "title", "year", "slug"], self.backend, self.terms
        )

    def people(self):
        """People whose names match the query."""
        return NamedMatches(Person, "name", ["id", "name", "slug"], self.backend, self.terms)

    def count(self):
        ranked, truncated = self._ranking
        return ApproximateCount(len(ranked)) if truncated else len(ranked)

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        ranked, _ = self._ranking
        if not isinstance(index, slice):
            position = range(len(ranked))[index]
            return self[position : position + 1][0]
        positions = range(len(ranked))[index]
        if positions.step != 1:
            raise ValueError("Search results can be sliced only with a step of 1.")
        page = ranked[positions.start : positions.stop]
        if not page:
            return []
        snippet = RawSQL(self.backend.snippet_sql, self.backend.snippet_params(self.terms))  # noqa: S611
        reviews = (
            self.published.select_related("film")
            .annotate(search_snippet=snippet)
            .in_bulk([review_id for review_id, _ in page])
        )
        results = []
        for review_id, rank in page:
            review = reviews.get(review_id)
            if review is None:  # unpublished or deleted since the ranking
                continue
            review.rank = rank
            if review.search_snippet and START in review.search_snippet:
                review.snippet = highlight(review.search_snippet)
            else:
                review.snippet = Truncator(review.excerpt).words(SNIPPET_WORDS)
            results.append(review)
        return results


class NamedMatches:
    """Films or people whose names match a query: ``count``, exact up to ``MAX_NAMED`` and
    an ``ApproximateCount`` beyond, and the ``best`` few, best first. One query."""

    def __init__(self, model, column, fields, backend, terms):
        if terms is None:
            matches = []
        else:
            table = model._meta.db_table
            sql = backend.named_sql.format(
                table=table,
                column=f"{table}.{column}",
                fields=", ".join(f"{table}.{field}" for field in fields),
            )
            # The SQL is the backend's own; the reader's words are only parameters.
            matches = list(model.objects.raw(sql, backend.named_params(terms, MAX_NAMED + 1)))
        self.count = ApproximateCount(MAX_NAMED) if len(matches) > MAX_NAMED else len(matches)
        self.best = matches[:NAMED_SHOWN]

    def __bool__(self):
        return bool(self.best)


def search_reviews(query):
    """Published reviews matching ``query``, best first, each with ``rank`` and ``snippet``."""
    return SearchResults(query)
