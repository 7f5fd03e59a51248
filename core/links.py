"""The addresses of pages named by a slug (a review's, a film's, a tag's), each reversed once.

A listing links to a hundred such pages, and ``reverse()`` looks up the script prefix, the
URL configuration and the language several times for each link, which costs more than the
rest of the link's rendering. An address is kept for the script prefix and the URL
configuration it was reversed with (the site's routes are the same in every language).
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def slug_url(viewname, slug):
    """``reverse(viewname, kwargs={"slug": slug})``, kept once found."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return reversed_slug_url(viewname, slug, get_script_prefix(), urlconf)


@lru_cache(maxsize=10_000)
def reversed_slug_url(viewname, slug, script_prefix, urlconf):
    # reverse() reads the same prefix and configuration, the ones in the cache's key.
    return reverse(viewname, urlconf=urlconf, kwargs={"slug": slug})
