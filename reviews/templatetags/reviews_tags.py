from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core.links import slug_url
from core.weblinks import safe_link_url
from reviews.ratings import Rating

register = template.Library()

# An address given by a person is a link only when it is http or https (core.weblinks).
register.filter("safe_link_url", safe_link_url)


@register.filter
def tag_url(tag):
    """The address of the tag's page: ``{% url 'reviews:tag' tag.slug %}``, for the many
    tags of a listing (core.links)."""
    return slug_url("reviews:tag", tag.slug)


def piece(template_name, **context):
    """One of the pieces listings repeat, drawn by Jinja2 (settings.TEMPLATES: "pieces")."""
    html = render_to_string(template_name, context, using="pieces")
    return mark_safe(html)  # noqa: S308 (Jinja2 escaped every value as Django would)


@register.simple_tag
def star_rating(rating):
    """A rating drawn as stars on a star scale, otherwise written as numbers ("72/100"),
    with its scale in words for everyone who cannot see them ("72 out of 100")."""
    return piece("includes/star_rating.html", rating=rating)


@register.simple_tag
def average_rating(average):
    """A film's average rating (0-100) as any other rating out of 100: "83/100"."""
    return piece("includes/star_rating.html", rating=Rating.from_average(average))


@register.simple_tag
def film_rows(films):
    """The films list's table rows: each film, its directors, its reviews and their average."""
    return piece("includes/film_rows.html", films=films, rating_of=Rating.from_average)


@register.simple_tag
def review_lines(reviews):
    """Reviews as lines: each one's headline, byline, rating and excerpt."""
    return piece("includes/review_lines.html", reviews=reviews)


@register.simple_tag
def film_links(films, list_class="link-list"):
    """Films as a list of links, each with its year: a tag's page lists two dozen, a
    search's first page the best found."""
    return piece("includes/film_links.html", films=films, list_class=list_class)


@register.simple_tag
def review_cards(cards):
    """Reviews' cards, each with its comment count: ``cards`` is (review, count) pairs, as
    the app that keeps the counts gives them. Drawn in one piece: a listing has dozens."""
    return piece("includes/review_cards.html", cards=cards)


@register.simple_tag
def byline(review, prefix=""):
    """Who wrote the review: its critic, linked, or its byline; after ``prefix`` ("By ")."""
    return piece("includes/byline.html", review=review, prefix=prefix)


@register.simple_tag
def picture(image, alt, sizes="100vw", eager=False):
    """An <img> with WebP renditions in srcset and its size set, so the page does not jump."""
    return piece("includes/picture.html", image=image, alt=alt, sizes=sizes, eager=eager)
