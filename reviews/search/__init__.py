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

from .backends import backend, build_documents, reindex, reindex_all
from .query import normalise_query, parse_query
from .results import SearchResults, search_reviews

__all__ = [
    "SearchResults",
    "backend",
    "build_documents",
    "normalise_query",
    "parse_query",
    "reindex",
    "reindex_all",
    "search_reviews",
]
