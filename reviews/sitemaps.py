"""The sections of sitemap.xml: the index pages, published reviews, films, tags in use, people,
critics."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.sitemaps import Sitemap
from django.db.models import Q
from django.urls import reverse
from taggit.models import Tag, TaggedItem

from .models import Critic, Film, Person, Review


class IndexPageSitemap(Sitemap):
    def items(self):
        return ["reviews:home", "reviews:films", "reviews:critics", "reviews:tags"]

    def location(self, name):
        return reverse(name)


class ReviewSitemap(Sitemap):
    def items(self):
        return Review.objects.published().only("slug", "updated_at")

    def lastmod(self, review):
        return review.updated_at


class FilmSitemap(Sitemap):
    def items(self):
        return Film.objects.only("slug", "updated_at")

    def lastmod(self, film):
        return film.updated_at


class TagSitemap(Sitemap):
    def items(self):
        """Tags on a film or a published review; a tag that only drafts carry has an empty page."""
        content_types = ContentType.objects.get_for_models(Film, Review)
        in_use = TaggedItem.objects.filter(
            Q(content_type=content_types[Film])
            | Q(
                content_type=content_types[Review],
                object_id__in=Review.objects.published().values("pk"),
            )
        )
        return Tag.objects.filter(pk__in=in_use.values("tag_id")).order_by("name")

    def location(self, tag):
        return reverse("reviews:tag", kwargs={"slug": tag.slug})


class PersonSitemap(Sitemap):
    def items(self):
        return Person.objects.only("slug")


class CriticSitemap(Sitemap):
    def items(self):
        return Critic.objects.only("slug", "updated_at")

    def lastmod(self, critic):
        return critic.updated_at


SITEMAPS = {
    "pages": IndexPageSitemap,
    "reviews": ReviewSitemap,
    "films": FilmSitemap,
    "tags": TagSitemap,
    "people": PersonSitemap,
    "critics": CriticSitemap,
}
