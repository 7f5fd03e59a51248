"""Blocks of pages kept rendered in the shared cache: a page rendered again for another
reason (a comment approved, a review added to the listings) does not read and render them
again.

Each is kept with the versions of the page-cache keys it shows (``reviews.keys``), and
used while they are unchanged; the page being rendered shows the same keys either way.
"""

import hashlib

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from core import pagecache
from core.context_processors import site

from . import keys
from .models import Review, other_review_lines
from .recommendations import blended_related

RELATED_FILMS_TEMPLATE = "includes/related_films.html"


def related_films_key(film_pk):
    return f"related-films:{film_pk}"


def related_films_html(film):
    """The block of films to watch after ``film``, on its page and its reviews' pages."""
    html, versions = related_films(film)
    pagecache.depend_on_versions(versions)
    return html


def related_films(film):
    """``(html, versions)``: the block of films to watch after ``film``, with the versions
    of the keys it shows (none when blocks are not kept).

    It shows which films are related and why (``keys.film_details``), the film's title
    and each related film's title and year (``keys.film``)."""
    seconds = pagecache.fragment_seconds()
    if not seconds:
        related = blended_related(film)
        pagecache.depend_on(keys.film_details(film.pk), keys.film(film.pk))
        pagecache.depend_on(*(keys.film(entry.film.pk) for entry in related))
        return render_related_films(film, related), {}
    kept = pagecache.kept(related_films_key(film.pk))
    if kept is not None:
        html, versions = kept
        if pagecache.current_versions(list(versions)) == versions:
            return mark_safe(html), versions  # noqa: S308 (as the template rendered it)
    # Read before the films are, so that a change committed meanwhile makes it stale.
    versions = pagecache.current_versions([keys.film_details(film.pk), keys.film(film.pk)])
    related = blended_related(film)
    versions.update(pagecache.current_versions([keys.film(entry.film.pk) for entry in related]))
    html = render_related_films(film, related)
    if None not in versions.values():
        pagecache.keep(related_films_key(film.pk), (str(html), versions), seconds)
    return html, versions


def render_related_films(film, related):
    html = render_to_string(RELATED_FILMS_TEMPLATE, {"film": film, "related_films": related})
    return mark_safe(html)  # noqa: S308 (the template escapes what it shows)


# The review page's parts that show the review and its film, each a template: those of
# its head by Django's engine, its body by Jinja2 (settings.TEMPLATES: "pieces").
HEAD_PARTS = {
    "title": "reviews/article/title.html",
    "meta": "reviews/article/meta.html",
    "structured_data": "reviews/article/structured_data.html",
}
BODY_TEMPLATE = "reviews/article/body.html"
OTHER_REVIEWS_SHOWN = 6
# What the review page needs of a review besides its article: the comments its pk,
# address and publication time; the notice for editors its status.
PAGE_FIELDS = ["id", "slug", "film_id", "status", "publish_at"]


def article_keys(review_pk, film_pk):
    """The keys of what a review's article shows, its related films apart (they name
    theirs): the review, its film, the film's other reviews, the tags' names."""
    return [keys.review_article(review_pk), keys.tags(), *keys.all_about_film(film_pk)]


def review_article(request, review):
    """``(article, versions)``: the review's article (its title, meta, structured_data and
    body, by name) rendered as its page shows it, with the versions of the related films
    it shows. ``review`` is read with ``Review.objects.for_page()``, or holds what an
    editor typed."""
    # The newest few; the film's page lists them all. One more is read to know if it does.
    other_reviews = other_review_lines(review, OTHER_REVIEWS_SHOWN + 1)
    related_html, related_versions = related_films(review.film)
    context = {
        "review": review,
        "other_reviews": other_reviews[:OTHER_REVIEWS_SHOWN],
        "more_reviews_of_the_film": len(other_reviews) > OTHER_REVIEWS_SHOWN,
        "related_films_html": related_html,
    }
    # The parts need the request (for absolute addresses) and the site's name, not all
    # that the context processors give a whole page.
    context.update(request=request, **site(request))
    article = {
        name: render_to_string(template, context, using="django")
        for name, template in HEAD_PARTS.items()
    }
    article["body"] = render_to_string(BODY_TEMPLATE, context, using="pieces")
    # The templates escape what they show (Jinja2 as Django would).
    return {name: mark_safe(html.strip()) for name, html in article.items()}, related_versions  # noqa: S308


def article_key(request, slug):
    """Where the article of the review with this slug is kept: for each address of the
    site (its head gives absolute addresses) and time zone."""
    zone = timezone.get_current_timezone_name()
    where = f"{request.build_absolute_uri('/')}|{zone}|{slug}"
    return "review-article:" + hashlib.sha256(where.encode()).hexdigest()[:32]


def readers_article(request, slug):
    """``(review, article)`` for the published review with this slug, as readers see it;
    None when no published review has it, or when blocks are not kept.

    The article is kept in the shared cache with the versions of what it shows and its
    time (a review of the film scheduled), and used while they hold: the review is then
    read from no table. ``review`` holds ``PAGE_FIELDS``, read again if asked for more.
    The page is named as showing the article's keys and ``keys.review`` (what other apps
    add after it), read with the article's in one go."""
    seconds = pagecache.fragment_seconds()
    if not seconds:
        return None
    key = article_key(request, slug)
    kept = pagecache.kept(key)
    if kept is not None:
        versions, expires, fields, article = kept
        page_key = keys.review(fields["id"])
        current = pagecache.versions_for(request, [*versions, page_key])
        page_version = current.pop(page_key)
        if current == versions and (expires is None or timezone.now() < expires):
            pagecache.depend_on_versions({**versions, page_key: page_version})
            pagecache.expires_at(lambda: expires)
            article = {name: mark_safe(html) for name, html in article.items()}  # noqa: S308 (as rendered)
            return Review.holding(fields), article
    published = Review.objects.published().filter(slug=slug)
    found = published.values_list("pk", "film_id").first()
    if found is None:
        return None
    # Read before the review is, so that a change committed meanwhile makes it stale.
    shown = [pagecache.SITE_KEY, *article_keys(*found)]
    versions = pagecache.versions_for(request, [*shown, keys.review(found[0])])
    review = published.for_page().first()
    if review is None:
        return None
    article, related_versions = review_article(request, review)
    versions.update(related_versions)
    expires = review.film.reviews.next_publication_time()
    pagecache.depend_on_versions(versions)
    pagecache.expires_at(lambda: expires)
    del versions[keys.review(found[0])]  # the article does not show the comments
    if review.film_id == found[1] and None not in versions.values():
        fields = {name: getattr(review, name) for name in PAGE_FIELDS}
        stored = {name: str(html) for name, html in article.items()}
        pagecache.keep(key, (versions, expires, fields, stored), seconds)
    return review, article
