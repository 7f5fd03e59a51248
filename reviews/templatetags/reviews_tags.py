from django import template

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


@register.inclusion_tag("includes/star_rating.html")
def star_rating(rating):
    """A rating drawn as stars on a star scale, otherwise written as numbers ("72/100"),
    with its scale in words for everyone who cannot see them ("72 out of 100")."""
    return {"rating": rating}


@register.inclusion_tag("includes/star_rating.html")
def average_rating(average):
    """A film's average rating (0-100) as any other rating out of 100: "83/100"."""
    return {"rating": Rating.from_average(average)}


@register.inclusion_tag("includes/review_card.html")
def review_card(review):
    return {"review": review}


@register.inclusion_tag("includes/picture.html")
def picture(image, alt, sizes="100vw", eager=False):
    """An <img> with WebP renditions in srcset and its size set, so the page does not jump."""
    return {"image": image, "alt": alt, "sizes": sizes, "eager": eager}
