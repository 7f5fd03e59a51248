"""Reading what a reader typed: web search syntax, made safe for each database."""

import itertools
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

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
