"""RSS and Atom feeds of published reviews: the latest, and those of one tag, film or critic."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from core.links import fixed_url, slug_url

from .models import Critic, Film, Review, add_listing_tags, is_common_tag
from .views import shows_critic, shows_listing, shows_reviews

FEED_LENGTH = 20
# XML 1.0 cannot carry these; Django refuses to write a feed that holds one.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def item_title_text(review):
    """A review's title in a feed: its headline, and the film it reviews."""
    film = review.film
    return f"{review.headline} — {film.title} ({film.year})"


class ReviewFeed(Feed):
    """RSS 2.0 of published reviews, newest first; subclasses choose the reviews."""

    feed_type = Rss201rev2Feed
    # RSS readers treat titles and descriptions as HTML; Atom says its titles are text.
    text_is_html = True

    def reviews(self, obj):
        raise NotImplementedError

    def get_feed(self, obj, request):
        """The feed, its own title and description escaped for RSS, and without the
        control characters XML cannot carry (a headline may hold one)."""
        feed = super().get_feed(obj, request)
        if self.text_is_html:
            for key in ("title", "description"):
                feed.feed[key] = escape(feed.feed[key])
        for entry in (feed.feed, *feed.items):
            for key, value in entry.items():
                if isinstance(value, str):
                    entry[key] = NOT_XML.sub("", value)
                elif key == "categories" and value:
                    entry[key] = [NOT_XML.sub("", str(category)) for category in value]
        return feed

    def shows(self, obj):
        """For the page cache: what the feed's list of reviews depends on."""
        shows_listing()

    def items(self, obj):
        self.shows(obj)
        reviews = self.reviews(obj).published().order_by("-publish_at", "-id")
        items = list(reviews.for_listing()[:FEED_LENGTH])
        add_listing_tags(items)
        shows_reviews(items)
        return items

    def author_name(self):
        return settings.SITE_NAME

    def item_title(self, review):
        # RSS readers treat a title as HTML, so a headline with "&" or "<" is escaped
        # once more, as Django does by default; Atom says its titles are text.
        return escape(item_title_text(review))

    def item_description(self, review):
        return escape(review.excerpt)

    def item_pubdate(self, review):
        return review.publish_at

    def item_updateddate(self, review):
        return review.updated_at

    def item_author_name(self, review):
        return review.byline_name or None

    def item_categories(self, review):
        """The tags its card shows: its own, or its film's (a tag's feed holds both)."""
        return [tag.name for tag in review.display_tags]


class AtomFeedMixin:
    feed_type = Atom1Feed
    text_is_html = False

    def subtitle(self, obj):
        return self.description(obj)

    def item_title(self, review):
        return item_title_text(review)


class LatestReviewsFeed(ReviewFeed):
    url_names = ("reviews:feed_rss", "reviews:feed_atom")

    def reviews(self, obj):
        return Review.objects.all()

    def title(self, obj):
        return f"{settings.SITE_NAME}: latest reviews"

    def description(self, obj):
        return f"The latest film reviews published on {settings.SITE_NAME}."

    def link(self, obj):
        return reverse("reviews:home")


class TagReviewsFeed(ReviewFeed):
    url_names = ("reviews:tag_feed_rss", "reviews:tag_feed_atom")

    def get_object(self, request, slug):
        return get_object_or_404(Tag.objects.annotate(item_count=F("usage__item_count")), slug=slug)

    def reviews(self, tag):
        return Review.objects.tagged(tag, many=is_common_tag(tag))

    def title(self, tag):
        return f"{settings.SITE_NAME}: reviews tagged “{tag.name}”"

    def description(self, tag):
        return f"The latest reviews tagged “{tag.name}” on {settings.SITE_NAME}."

    def link(self, tag):
        return reverse("reviews:tag", kwargs={"slug": tag.slug})


class FilmReviewsFeed(ReviewFeed):
    url_names = ("reviews:film_feed_rss", "reviews:film_feed_atom")

    def get_object(self, request, slug):
        return get_object_or_404(Film, slug=slug)

    def reviews(self, film):
        return film.reviews.all()

    def title(self, film):
        return f"{settings.SITE_NAME}: reviews of {film}"

    def description(self, film):
        return f"The latest reviews of {film} on {settings.SITE_NAME}."

    def link(self, film):
        return film.get_absolute_url()


class CriticReviewsFeed(ReviewFeed):
    url_names = ("reviews:critic_feed_rss", "reviews:critic_feed_atom")

    def get_object(self, request, slug):
        return get_object_or_404(Critic, slug=slug)

    def reviews(self, critic):
        return critic.reviews.all()

    def shows(self, critic):
        shows_critic(critic)

    def title(self, critic):
        return f"{settings.SITE_NAME}: reviews by {critic.name}"

    def description(self, critic):
        return f"The latest reviews by {critic.name} on {settings.SITE_NAME}."

    def link(self, critic):
        return critic.get_absolute_url()


class LatestReviewsAtomFeed(AtomFeedMixin, LatestReviewsFeed):
    pass


class TagReviewsAtomFeed(AtomFeedMixin, TagReviewsFeed):
    pass


class FilmReviewsAtomFeed(AtomFeedMixin, FilmReviewsFeed):
    pass


class CriticReviewsAtomFeed(AtomFeedMixin, CriticReviewsFeed):
    pass


FEEDS_BY_SUBJECT = {
    type(None): LatestReviewsFeed,
    Tag: TagReviewsFeed,
    Film: FilmReviewsFeed,
    Critic: CriticReviewsFeed,
}


def feed_links(obj=None):
    """``(title, RSS path, Atom path)`` of the feed for a tag, a film, a critic, or (None)
    the site."""
    feed = FEEDS_BY_SUBJECT[type(obj)]()
    if obj is None:
        rss, atom = (fixed_url(name) for name in feed.url_names)
    else:
        rss, atom = (slug_url(name, obj.slug) for name in feed.url_names)
    return feed.title(obj), rss, atom
