"""Full-text search over reviews, on PostgreSQL or SQLite.

Every review, drafts included, has a search document in the table ``reviews_search``
(created by migration 0003); searches keep only published reviews, so a scheduled review
becomes searchable when its time comes. The document's fields, from most to least weight:
headline, film title, people (the film's credits), tags (the film's and the review's),
body (tagline, dek and the rendered body as plain text).

- PostgreSQL: a ``tsvector`` with a GIN index. Weights A headline, B film, C people and
  tags, D body; queries go through ``websearch_to_tsquery``, ranked with ``ts_rank``.
- SQLite: an FTS5 table, ranked with ``bm25`` weighted 10, 4, 2, 2, 1 like PostgreSQL's
  default 1.0, 0.4, 0.2, 0.1; the web search syntax is translated to FTS5 here, with every
  word quoted, so nothing a reader types is ever FTS5 syntax.

Both understand "quoted phrases", ``-word`` to leave a word out and ``or`` between words.
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
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .models import Review

MAX_QUERY_LENGTH = 200
MAX_TERMS = 32
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


def fts5_query(query):
    """The FTS5 query for a web search query, or None when there is nothing to look for."""
    groups, excluded = parse_query(query)
    if not groups:
        return None

    def any_of(terms):
        return "(" + " OR ".join('"' + term.replace('"', '""') + '"' for term in terms) + ")"

    required = " AND ".join(any_of(group) for group in groups)
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
            "pk", "film_id", "film__title", "headline", "tagline", "dek", "body_html"
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
    for pk, film_id, film_title, headline, tagline, dek, body_html in reviews:
        body = html.unescape(strip_tags(body_html))
        review_tags = (
            tags[content_types.get("film"), film_id] + tags[content_types.get("review"), pk]
        )
        fields = [
            headline,
            film_title,
            " ".join(people[film_id]),
            " ".join(dict.fromkeys(review_tags)),
            "\n".join(text for text in (tagline, dek, body) if text),
        ]
        documents.append((pk, *(plain_text(field) for field in fields)))
    return documents


class PostgresBackend:
    match_ids_sql = (
        "SELECT review_id FROM reviews_search WHERE document @@ websearch_to_tsquery('english', %s)"
    )
    page_sql = (
        "SELECT review_id, rank, ts_headline('english', body, query, %s) FROM ("
        "  SELECT review_id, body, query, ts_rank(document, query) AS rank"
        "  FROM reviews_search, websearch_to_tsquery('english', %s) AS query"
        "  WHERE document @@ query AND review_id IN ({published})"
        "  ORDER BY rank DESC, review_id DESC LIMIT %s OFFSET %s"
        ") AS page ORDER BY rank DESC, review_id DESC"
    )
    headline_options = (
        f"StartSel={START}, StopSel={STOP}, MaxFragments=1,"
        f" MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
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

    def search_term(self, query):
        return query

    def page_params(self, term, published_params, offset, limit):
        return [self.headline_options, term, *published_params, limit, offset]

    def delete(self, cursor, review_ids):
        cursor.execute(self.delete_sql, [list(review_ids)])

    def insert(self, cursor, documents):
        # The body goes in twice: into the document, and as text for ts_headline.
        cursor.executemany(self.insert_sql, [(*document, document[-1]) for document in documents])


class SQLiteBackend:
    match_ids_sql = "SELECT rowid FROM reviews_search WHERE reviews_search MATCH %s"
    # snippet() works only in the full-text query itself; limiting that query to the ids
    # of the page keeps it from making a snippet for every match.
    page_sql = (
        "SELECT rowid, -bm25(reviews_search, 10.0, 4.0, 2.0, 2.0, 1.0) AS rank,"
        " snippet(reviews_search, 4, %s, %s, %s, %s)"
        " FROM reviews_search WHERE reviews_search MATCH %s AND rowid IN ("
        "  SELECT rowid FROM reviews_search"
        # The unary + keeps SQLite from driving the match by the published ids, which
        # re-runs the full-text query once per published review.
        "  WHERE reviews_search MATCH %s AND +rowid IN ({published})"
        "  ORDER BY bm25(reviews_search, 10.0, 4.0, 2.0, 2.0, 1.0), rowid DESC"
        "  LIMIT %s OFFSET %s"
        ") ORDER BY rank DESC, rowid DESC"
    )
    delete_sql = "DELETE FROM reviews_search WHERE rowid IN (SELECT value FROM json_each(%s))"
    insert_sql = (
        "INSERT INTO reviews_search (rowid, headline, film, people, tags, body)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
    )

    def search_term(self, query):
        return fts5_query(query)

    def page_params(self, term, published_params, offset, limit):
        return [START, STOP, "…", SNIPPET_WORDS, term, term, *published_params, limit, offset]

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

    ``count()`` is one query; each slice is one query for the ranks and snippets of just
    that slice and one for its reviews. Each review carries ``rank`` and ``snippet``.
    """

    ordered = True

    def __init__(self, query):
        self.query = normalise_query(query)
        self.backend = backend()
        groups, _ = parse_query(self.query)
        self.term = self.backend.search_term(self.query) if groups else None
        self.published = Review.objects.published()
        self._count = None

    def count(self):
        if self._count is None:
            if self.term is None:
                self._count = 0
            else:
                # The SQL is the backend's own; the reader's words are only a parameter.
                matching = RawSQL(self.backend.match_ids_sql, [self.term])  # noqa: S611
                self._count = self.published.filter(pk__in=matching).count()
        return self._count

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            position = range(self.count())[index]
            return self[position : position + 1][0]
        positions = range(self.count())[index]
        if positions.step != 1:
            raise ValueError("Search results can be sliced only with a step of 1.")
        if self.term is None or not positions:
            return []
        published_sql, published_params = (
            self.published.order_by().values("pk").query.sql_with_params()
        )
        sql = self.backend.page_sql.format(published=published_sql)
        params = self.backend.page_params(
            self.term, published_params, positions.start, len(positions)
        )
        with default_connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        reviews = self.published.select_related("film").in_bulk([row[0] for row in rows])
        results = []
        for review_id, rank, snippet in rows:
            review = reviews.get(review_id)
            if review is None:  # unpublished or deleted since the first query
                continue
            review.rank = rank
            if snippet and START in snippet:
                review.snippet = highlight(snippet)
            else:
                review.snippet = Truncator(review.excerpt).words(SNIPPET_WORDS)
            results.append(review)
        return results


def search_reviews(query):
    """Published reviews matching ``query``, best first, each with ``rank`` and ``snippet``."""
    return SearchResults(query)
