"""schema.org descriptions of reviews and films, for JSON-LD in their pages.

What we do not know is left out rather than guessed: no author without a byline (a critic
with a record is a Person with the address of their page), no date without the review's
own date, no rating when the critic gave none.
"""

from django.conf import settings
from django.urls import reverse

from core.weblinks import safe_link_url

SCHEMA_ORG = "https://schema.org"


def review_jsonld(review, request):
    """A ``Review`` of the review's ``Movie``. The film's credits should be prefetched."""
    data = {
        "@context": SCHEMA_ORG,
        "@type": "Review",
        "name": review.headline,
        "url": request.build_absolute_uri(review.get_absolute_url()),
        "itemReviewed": movie_data(review.film, request),
    }
    if review.excerpt:
        data["description"] = review.excerpt
    if rating := review.rating:
        data["reviewRating"] = {
            "@type": "Rating",
            "ratingValue": number(rating.value),
            "bestRating": rating.best,
            "worstRating": 0,
        }
    if review.critic_id:
        data["author"] = person_data(review.critic, request)
    elif review.byline:
        data["author"] = {"@type": "Person", "name": review.byline}
    data["publisher"] = publisher_data(review, request)
    if review.review_date:
        data["datePublished"] = review.review_date.isoformat()
    if review.hero_picture:
        data["image"] = image_data(review.hero_picture, request)
    return data


def film_jsonld(film, request, rating_average, rating_count):
    """A ``Movie``, with an ``aggregateRating`` on the 0-100 scale when it has rated reviews.

    ``rating_average`` and ``rating_count`` are those of ``Film.rating_summary()``; the
    film's credits should be prefetched.
    """
    data = {"@context": SCHEMA_ORG, **movie_data(film, request)}
    if cast := film.main_cast:
        data["actor"] = [person_data(credit.person, request) for credit in cast]
    if film.synopsis:
        data["description"] = film.synopsis
    if film.runtime_minutes:
        data["duration"] = f"PT{film.runtime_minutes}M"
    if rating_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": round(rating_average, 1),
            "bestRating": 100,
            "worstRating": 0,
            "ratingCount": rating_count,
        }
    return data


def movie_data(film, request):
    data = {
        "@type": "Movie",
        "name": film.title,
        "dateCreated": str(film.year),
        "url": request.build_absolute_uri(film.get_absolute_url()),
    }
    if directors := film.directors:
        data["director"] = [person_data(director, request) for director in directors]
    if film.poster_picture:
        data["image"] = image_data(film.poster_picture, request)
    return data


def person_data(person, request):
    return {
        "@type": "Person",
        "name": person.name,
        "url": request.build_absolute_uri(person.get_absolute_url()),
    }


def publisher_data(review, request):
    """The publication the review first appeared in; otherwise this site, which publishes it."""
    if review.publication_name:
        data = {"@type": "Organization", "name": review.publication_name}
        if url := safe_link_url(review.publication_url):
            data["url"] = url
        return data
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": request.build_absolute_uri(reverse("reviews:home")),
    }


def image_data(picture, request):
    data = {"@type": "ImageObject", "url": request.build_absolute_uri(picture["url"])}
    if picture["width"] and picture["height"]:
        data.update(width=picture["width"], height=picture["height"])
    return data


def number(value):
    """A Decimal as a JSON number: ``3`` for a whole number, ``4.5`` otherwise."""
    return int(value) if value == value.to_integral_value() else float(value)
