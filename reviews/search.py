"""Searching published reviews. A first cut; replaced by full-text search."""

from .models import Review


def search_reviews(query):
    """Published reviews matching ``query``, best first, each with ``rank`` and ``snippet``."""
    results = list(Review.objects.published().filter(headline__icontains=query).for_listing())
    for review in results:
        review.rank, review.snippet = 1.0, review.excerpt
    return results
