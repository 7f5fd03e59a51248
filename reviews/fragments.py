"""Blocks of pages kept rendered in the shared cache: a page rendered again for another
reason (a comment approved, a review added to the listings) does not read and render them
again.

Each is kept with the versions of the page-cache keys it shows (``reviews.keys``), and
used while they are unchanged; the page being rendered shows the same keys either way.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core import pagecache

from . import keys
from .recommendations import blended_related

RELATED_FILMS_TEMPLATE = "includes/related_films.html"


def related_films_key(film_pk):
    return f"related-films:{film_pk}"


def related_films_html(film):
    """The block of films to watch after ``film``, on its page and its reviews' pages.

    It shows which films are related and why (``keys.film_details``), the film's title
    and each related film's title and year (``keys.film``)."""
    seconds = pagecache.fragment_seconds()
    if not seconds:
        return render_related_films(film, blended_related(film))
    kept = cache.get(related_films_key(film.pk))
    if kept is not None:
        html, versions = kept
        pagecache.depend_on(*versions)
        if pagecache.current_versions(list(versions)) == versions:
            return mark_safe(html)  # noqa: S308 (as the template rendered it)
    # Read before the films are, so that a change committed meanwhile makes it stale.
    shown = [keys.film_details(film.pk), keys.film(film.pk)]
    versions = pagecache.current_versions(shown)
    related = blended_related(film)
    others = [keys.film(entry.film.pk) for entry in related]
    versions.update(pagecache.current_versions(others))
    pagecache.depend_on(*shown, *others)
    html = render_related_films(film, related)
    if None not in versions.values():
        cache.set(related_films_key(film.pk), (str(html), versions), seconds)
    return html


def render_related_films(film, related):
    html = render_to_string(RELATED_FILMS_TEMPLATE, {"film": film, "related_films": related})
    return mark_safe(html)  # noqa: S308 (the template escapes what it shows)
