"""The page cache's keys for what the reviews app shows, each named once.

A page says which keys it shows while it renders (``core.pagecache.depend_on``, in
``reviews/views.py``); a change that commits gives new versions to the keys of what it
changed (``core.pagecache.invalidate``, from ``reviews/changes.py`` and from any app that
adds to a review's page).
``tests/test_cache_keys.py`` checks that the two sides agree, page by change.
"""


def review(pk):
    """One review as its own page shows it: text, rating, tags, pictures, and what other
    apps add to the page (its comments)."""
    return f"review:{pk}"


def review_article(pk):
    """The review itself, as its page's article shows it: text, rating, tags, pictures,
    byline, address; not what other apps add to the page, whose changes leave it be."""
    return f"review-article:{pk}"


def review_itself(pk):
    """What a change to the review itself makes stale: its article, and every page
    showing the review."""
    return [review(pk), review_article(pk)]


def film(pk):
    """A film's own record (title, year, poster), shown wherever the film is named."""
    return f"film:{pk}"


def film_details(pk):
    """What only the film's page and its reviews' pages show: credits, tags, related films."""
    return f"film-details:{pk}"


def film_reviews(pk):
    """Which of a film's reviews are published, and their ratings: its reviews and average."""
    return f"film-reviews:{pk}"


def person(pk):
    return f"person:{pk}"


def critic(pk):
    """A critic's record (name, bio, photo, links) and which of their reviews are published:
    their page and feed. Their name on cards and review pages goes with ``review``."""
    return f"critic:{pk}"


def tags():
    """Every tag's name and count, shown in the lists of tags and on cards."""
    return "tags"


def published_list():
    """Which reviews are published, in what order: the home page, listings and feeds."""
    return "listing"


def catalogue():
    """Anything in the catalogue, for pages that may show any of it: search results."""
    return "catalogue"


def all_about_film(pk):
    """A film's own page, or one of its reviews' pages, shows everything about it."""
    return [film(pk), film_details(pk), film_reviews(pk)]
