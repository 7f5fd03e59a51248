"""What a page's <head> tells machines: description, canonical URL, social cards, feeds, JSON-LD."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import to_locale
from taggit.models import Tag

from reviews import feeds
from reviews.models import Critic, Film, Person, Review
from reviews.structured_data import film_jsonld, review_jsonld

register = template.Library()

DESCRIPTION_WORDS = 30

# As django.utils.html.json_script escapes: no "</script>" or "<!--" can survive in the JSON.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_script(data):
    """``data`` in a <script type="application/ld+json"> element that no value can close."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag(takes_context=True)
def review_structured_data(context, review):
    return json_ld_script(review_jsonld(review, context["request"]))


@register.simple_tag(takes_context=True)
def film_structured_data(context, film, rating_average, rating_count):
    return json_ld_script(film_jsonld(film, context["request"], rating_average, rating_count))


@register.inclusion_tag("includes/feed_links.html", takes_context=True)
def feed_links(context, subject=None):
    """<link rel="alternate"> to the RSS and Atom feeds of a tag, a film, or the whole site."""
    title, rss, atom = feeds.feed_links(subject)
    return {
        "title": title,
        "rss_url": absolute_url(context, rss),
        "atom_url": absolute_url(context, atom),
    }


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """The path as an absolute URL; only the path where there is no request to say the host."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.inclusion_tag("includes/social_meta.html", takes_context=True)
def page_meta(context, subject=None, *, title=None, description=None, path=None):
    """The description, canonical URL, Open Graph and Twitter card of a page.

    With a review, film, person or tag the page is about, everything comes from it; the
    keywords override, or describe a page about no one thing. Without a path (from the
    subject or given) there is no canonical URL. On page N > 1 of a list, ``?page=N``
    is kept in the canonical URL and every other query parameter dropped.
    """
    meta = describe(subject) if subject is not None else {}
    title = title or meta.get("title") or settings.SITE_NAME
    description = description or meta.get("description") or default_description()
    path = path or meta.get("path")
    url = None
    if path:
        url = absolute_url(context, path)
        page = context.get("page_obj")
        if page is not None and page.number > 1:
            url += f"?page={page.number}"
    image = meta.get("image")
    if image:
        image = {**image, "url": absolute_url(context, image["url"])}
    return {
        "site_name": settings.SITE_NAME,
        "locale": to_locale(settings.LANGUAGE_CODE),
        "title": title,
        "description": Truncator(" ".join(description.split())).words(DESCRIPTION_WORDS),
        "url": url,
        "og_type": meta.get("og_type", "website"),
        "image": image,
        "published_time": meta.get("published_time"),
        "article_tags": meta.get("article_tags", []),
    }


def default_description():
    return f"Film reviews and criticism on {settings.SITE_NAME}, each on the critic’s own scale."


def describe(subject):
    if isinstance(subject, Review):
        return describe_review(subject)
    if isinstance(subject, Film):
        return describe_film(subject)
    if isinstance(subject, Person):
        return {
            "title": subject.name,
            "description": f"The films {subject.name} worked on, and in what role.",
            "path": subject.get_absolute_url(),
        }
    if isinstance(subject, Critic):
        picture = subject.photo_picture
        return {
            "title": subject.name,
            "description": subject.bio or f"Film reviews by {subject.name}.",
            "path": subject.get_absolute_url(),
            "og_type": "profile",
            "image": {**picture, "alt": subject.name} if picture else None,
        }
    if isinstance(subject, Tag):
        return {
            "title": f"Tagged “{subject.name}”",
            "description": f"Films and reviews tagged “{subject.name}”.",
            "path": reverse("reviews:tag", kwargs={"slug": subject.slug}),
        }
    raise TypeError(f"No page description for {type(subject).__name__}.")


def describe_review(review):
    film = review.film
    hero = review.hero_picture
    image = {**hero, "alt": review.hero_alt} if hero else poster(film)
    return {
        "title": review.headline,
        "description": review.excerpt or f"A review of {film}.",
        "path": review.get_absolute_url(),
        "og_type": "article",
        "image": image,
        # The review's own date, as in its JSON-LD, not when this site put it online.
        "published_time": review.review_date.isoformat() if review.review_date else None,
        "article_tags": [tag.name for tag in review.article_tags],
    }


def describe_film(film):
    directors = ", ".join(person.name for person in film.directors)
    summary = f"Reviews of {film}" + (f", directed by {directors}." if directors else ".")
    return {
        "title": str(film),
        "description": film.synopsis or summary,
        "path": film.get_absolute_url(),
        "og_type": "video.movie",
        "image": poster(film),
    }


def poster(film):
    picture = film.poster_picture
    return {**picture, "alt": f"Poster for {film.title}"} if picture else None
