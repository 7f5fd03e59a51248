"""Search results: published reviews ranked page by page, and the films and people named."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection as default_connection
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.text import Truncator

from core.pagecache import get_with_versions
from core.pagination import ApproximateCount

from .. import keys
from ..models import Film, Person, Review
from .backends import backend
from .query import (
    MAX_NAMED,
    MAX_RESULTS,
    NAMED_SHOWN,
    SNIPPET_WORDS,
    START,
    highlight,
    normalise_query,
)


def best_first(ranks):
    """``{review id: rank}`` as ``[(id, rank)]``, best first; ties by the newer id."""
    return sorted(ranks.items(), key=lambda row: (row[1], row[0]), reverse=True)


class SearchResults:
    """Published reviews matching a query, best first, for a Paginator.

    ``count()`` is one query, or two with more than ``MAX_RESULTS`` matches, and then an
    ``ApproximateCount``; it ranks the results. The ranking of so many matches is cached
    for ``SEARCH_CACHE_SECONDS``, or until the catalogue changes, and while it is, no
    query at all. Each slice is one query
    for its reviews and their snippets. Each review carries ``rank`` and ``snippet``.
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
        # Ranking more than MAX_RESULTS matches reads the matches of every word: done once
        # for a query while the catalogue is unchanged, however many pages of it are read.
        # Only such rankings are kept, so one found is truncated, and the matches need not
        # be read again to know it (ranking them alone reads every word's whole index).
        key = "search-ranking:" + hashlib.sha256(self.query.encode()).hexdigest()
        kept, versions = get_with_versions(key, [keys.catalogue()])
        if kept is not None and kept[0] == versions:
            return kept[1], True
        published = self.published.filter(pk=RawSQL(self.backend.id_column, ()))  # noqa: S611
        published_sql, published_params = published.order_by().values("pk").query.sql_with_params()
        matches = self.backend.matches_sql.format(published=published_sql)
        params = self.backend.matches_params(self.terms, published_params, MAX_RESULTS + 1)
        with default_connection.cursor() as cursor:
            # The SQL is the backend's own; the reader's words are only parameters.
            cursor.execute(matches, params)
            ranks = dict(cursor.fetchall())
        if len(ranks) <= MAX_RESULTS:
            return best_first(ranks), False
        candidates = self.backend.candidates_sql.format(published=published_sql)
        params = self.backend.candidates_params(self.terms, published_params)
        with default_connection.cursor() as cursor:
            cursor.execute(candidates, params)
            ranks = dict(cursor.fetchall())
        best = best_first(ranks)[:MAX_RESULTS]
        if None not in versions.values():
            cache.set(key, (versions, best), settings.SEARCH_CACHE_SECONDS)
        return best, True

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
            self.published.select_related("film", "critic")
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
