"""What is derived from the catalogue and kept for speed: tag counts and related films."""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from taggit.models import Tag

from .catalogue import Film


def tags_with_counts():
    """Tags in use, each annotated with ``item_count``: how many films and reviews carry it
    (read from TagUsage, not counted)."""
    return Tag.objects.filter(usage__item_count__gt=0).annotate(item_count=F("usage__item_count"))


# A tag on more films and reviews than this has its reviews listed by walking the newest.
COMMON_TAG_ITEMS = 500


def is_common_tag(tag):
    """True when ``tag``, annotated with ``item_count`` (its TagUsage), is on so many films
    and reviews that walking the newest reviews finds its pages sooner than gathering."""
    return (tag.item_count or 0) > COMMON_TAG_ITEMS


def count_tag_usage(tag_ids=None):
    """Count again how many films and reviews carry each of these tags (every tag when
    None) and store it in TagUsage."""
    tags = Tag.objects.all() if tag_ids is None else Tag.objects.filter(pk__in=tag_ids)
    film_type = ContentType.objects.get_for_model(Film)
    counted = tags.annotate(
        items=Count("taggit_taggeditem_items"),
        films=Count(
            "taggit_taggeditem_items",
            filter=Q(taggit_taggeditem_items__content_type=film_type),
        ),
    ).values_list("pk", "items", "films")
    TagUsage.objects.bulk_create(
        [TagUsage(tag_id=pk, item_count=items, film_count=films) for pk, items, films in counted],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["tag"],
        update_fields=["item_count", "film_count"],
    )


def give_tag_a_slug(sender, instance, **kwargs):
    """Before a tag is saved, make sure its slug can name its page.

    taggit slugifies the name, which leaves nothing of a name made only of punctuation,
    symbols or emoji ("<>", "🎬"), and NFKC can make the slug longer than its column. Such
    a slug keeps what it has, and a short hash of the name makes it unique. Connected by
    ``ReviewsConfig.ready()``.
    """
    limit = Tag._meta.get_field("slug").max_length
    if instance.slug and len(instance.slug) <= limit:
        return
    digest = hashlib.sha256(instance.name.encode()).hexdigest()[:8]
    instance.slug = f"{instance.slug[: limit - len(digest) - 1] or 'tag'}-{digest}"


class TagUsage(models.Model):
    """How many films and reviews carry a tag, for the lists of tags.

    Counted again by ``count_tag_usage`` after every committed change that adds a tag to
    something or takes it away (``reviews.changes``). A bulk load that bypasses the
    signals calls ``count_tag_usage()`` itself.
    """

    tag = models.OneToOneField(
        Tag, on_delete=models.CASCADE, primary_key=True, related_name="usage"
    )
    item_count = models.PositiveIntegerField(default=0, help_text="Films and reviews.")
    film_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-item_count"]
        indexes = [models.Index(fields=["item_count"], name="tag_usage_count")]

    def __str__(self):
        return f"{self.tag}: {self.item_count}"

    def get_absolute_url(self):
        return reverse("reviews:tag", kwargs={"slug": self.tag.slug})


class Recommendation(models.Model):
    """A film computed to follow another, with the reasons readers are shown.

    Rows are written by ``reviews.recommendations`` only, never by hand: its
    ``recompute_all()`` and ``refresh()`` replace a film's whole list at once.
    """

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="recommendations")
    recommended = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, help_text="Short phrases, strongest first.")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["film", "recommended"], name="recommendation_unique"),
            models.CheckConstraint(
                condition=~Q(film=F("recommended")), name="recommendation_not_self"
            ),
        ]
        indexes = [models.Index(fields=["film", "position"], name="recommendation_film_order")]

    def __str__(self):
        return f"{self.film} → {self.recommended} ({self.score:.2f})"
