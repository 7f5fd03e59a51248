"""What is derived from the catalogue and kept for speed: tag counts and related films, and
the films whose related films wait to be refreshed."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from taggit.models import Tag

from core.links import slug_url

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
        return slug_url("reviews:tag", self.tag.slug)


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


class RecommendationBounds(models.Model):
    """What bounds a film's stored list, so that a refresh can tell, without scoring it
    again, whether a change to another film can alter it (``reviews.recommendations``).

    Written with the list, by the same functions.
    """

    film = models.OneToOneField(Film, on_delete=models.CASCADE, primary_key=True, related_name="+")
    cutoff = models.FloatField(
        null=True, help_text="The indexed points of the last candidate scored in full."
    )
    cutoff_film_id = models.PositiveBigIntegerField(null=True, help_text="That candidate.")
    unlisted = models.JSONField(default=list, help_text="Candidates scored but not listed.")
    following_id = models.PositiveBigIntegerField(
        null=True, help_text="The best of them, which a film that falls out makes way for."
    )
    following_score = models.FloatField(null=True)

    class Meta:
        ordering = ["film"]
        verbose_name_plural = "recommendation bounds"

    def __str__(self):
        return f"Bounds of {self.film_id}"


class WaitingRefreshQuerySet(models.QuerySet):
    def note(self, film_ids):
        """Have these films' recommendations refreshed by the next sweep; returns whether a
        sweep must be scheduled for them (none is coming already).

        Called outside any transaction (after a commit), so each statement commits at once:
        a sweep that claims after this returns sees these films. A film claimed by a sweep
        refreshing it now is marked noted again, and that sweep leaves it waiting.
        """
        film_ids = set(film_ids)
        if not film_ids:
            return False
        unclaimed = self.filter(film_id__in=film_ids, claimed_by="")
        waiting = set(unclaimed.values_list("film_id", flat=True))
        now = timezone.now()
        self.bulk_create(
            [WaitingRefresh(film_id=pk, noted_at=now, noted_since_claim=True) for pk in film_ids],
            batch_size=500,
            update_conflicts=True,
            unique_fields=["film_id"],
            update_fields=["noted_at", "noted_since_claim"],
        )
        # A film that waits unclaimed, other than those just added, has its sweep coming,
        # and that sweep claims every film waiting when it runs, these too.
        return not self.filter(claimed_by="").exclude(film_id__in=film_ids - waiting).exists()

    def claimable(self):
        """Films no sweep holds: unclaimed, or claimed so long ago that its worker died."""
        stale = timezone.now() - timedelta(seconds=settings.RECOMMENDATIONS_CLAIM_SECONDS)
        return self.filter(Q(claimed_by="") | Q(claimed_at__lt=stale))

    def claim(self, sweep):
        """Mark every claimable film as the sweep's, with those it held already (it ran
        before and its worker died); returns their ids.

        No two sweeps ever hold the same film: rows another sweep has locked are skipped,
        and the update checks again that each row is still free as it writes it
        (PostgreSQL re-reads a row another sweep updated meanwhile; SQLite writes one
        transaction at a time)."""
        with transaction.atomic():
            free = self.claimable() | self.filter(claimed_by=sweep)
            pks = list(free.select_for_update(skip_locked=True).values_list("pk", flat=True))
            (self.claimable() | self.filter(claimed_by=sweep)).filter(pk__in=pks).update(
                claimed_by=sweep, claimed_at=timezone.now(), noted_since_claim=False
            )
        return set(self.filter(claimed_by=sweep).values_list("film_id", flat=True))

    def finish(self, sweep):
        """Forget the sweep's films, but those noted again since it claimed them, which wait
        for the next sweep; returns whether any does."""
        held = self.filter(claimed_by=sweep)
        held.filter(noted_since_claim=False).delete()
        return held.update(claimed_by="", claimed_at=None) > 0


class WaitingRefresh(models.Model):
    """A film whose recommendations wait to be refreshed (``reviews.changes``).

    Changes note their films here; one sweep, a little later, refreshes every film waiting
    at once, so a burst of changes costs one refresh. A sweep claims the films it
    refreshes, so two workers never refresh the same film at the same time. The film is
    named by id, not a foreign key: a film deleted still has its neighbours' lists to
    refresh.
    """

    film_id = models.PositiveBigIntegerField(unique=True)
    noted_at = models.DateTimeField(help_text="When a change last named this film.")
    claimed_by = models.CharField(max_length=100, blank=True, help_text="The sweep refreshing it.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    noted_since_claim = models.BooleanField(default=True)

    objects = WaitingRefreshQuerySet.as_manager()

    class Meta:
        ordering = ["noted_at"]
        indexes = [models.Index(fields=["claimed_by"], name="waiting_refresh_claim")]
        verbose_name_plural = "waiting refreshes"

    def __str__(self):
        return f"Film {self.film_id}, noted {self.noted_at:%Y-%m-%d %H:%M:%S}"
