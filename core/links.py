"""The addresses of pages, each reversed once: those named by a slug (a review's, a film's,
a tag's) and those with no arguments (the site's navigation, its feeds).

A listing links to a hundred such pages, and every page's header to several, and
``reverse()`` looks up the script prefix, the URL configuration and the language several
times for each link, which costs more than the rest of the link's rendering. An address is
kept for the script prefix and the URL configuration it was reversed with (the site's
routes are the same in every language).
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def slug_url(viewname, slug):
    """``reverse(viewname, kwargs={"slug": slug})``, kept once found."""
    return kept_url(viewname, slug)


def fixed_url(viewname):
    """``reverse(viewname)``, for a page reversed with no arguments, kept once found."""
    return kept_url(viewname, None)


def kept_url(viewname, slug):
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return reversed_url(viewname, slug, get_script_prefix(), urlconf)


@lru_cache(maxsize=10_000)
def reversed_url(viewname, slug, script_prefix, urlconf):
    # reverse() reads the same prefix and configuration, the ones in the cache's key.
    kwargs = None if slug is None else {"slug": slug}
    return reverse(viewname, urlconf=urlconf, kwargs=kwargs)
