"""Reviews and their ratings, what readers see of them, and their pull quotes and links."""

from collections import defaultdict
from decimal import Decimal
from functools import cache, partial
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from core.links import slug_url
from core.prepared import PreparedQuery

from ..fields import WebAddressField
from ..images import picture, validate_image_file
from ..markdown import render_markdown, without_spoilers
from ..ratings import HALF_STAR, WHOLE_STAR, Rating
from .catalogue import Film, InOrder, save_with_image
from .critics import Critic


def published_condition(prefix="", now=None):
    """The condition for a review readers can see, reached through ``prefix`` (e.g.
    ``"reviews__"`` from a film): published, or scheduled for a time that has come (by
    ``now``, the present unless given).

    A plain condition on the joined row, so a film's counts need no subquery.
    """
    live = [Review.Status.SCHEDULED, Review.Status.PUBLISHED]
    now = timezone.now() if now is None else now
    return Q(**{f"{prefix}status__in": live, f"{prefix}publish_at__lte": now})


def rating_aggregates(prefix=""):
    """A film's rating summary as aggregates over reviews reached through ``prefix``:
    ``rating_average`` (0-100) and ``rating_count`` of its published, rated reviews.
    Defined once, for the admin's sorted list and for the pages' summaries alike."""
    rated = published_condition(prefix) & Q(**{f"{prefix}rating_value__isnull": False})
    return {
        "rating_average": Avg(f"{prefix}rating_normalised", filter=rated),
        "rating_count": Count(f"{prefix}pk", filter=rated),
    }


def add_review_summaries(films):
    """Set ``review_count``, and ``rating_average`` (0-100) and ``rating_count`` of the rated
    reviews, on each of these films: one query over their own published reviews."""
    films = list(films)
    summaries = (
        Review.objects.published()
        .filter(film__in=films)
        .order_by()
        .values("film")
        .annotate(review_count=Count("pk"), **rating_aggregates())
    )
    by_film = {summary.pop("film"): summary for summary in summaries}
    for film in films:
        summary = by_film.get(
            film.pk, {"review_count": 0, "rating_average": None, "rating_count": 0}
        )
        for name, value in summary.items():
            setattr(film, name, value)


class ListedTag(NamedTuple):
    """A tag as a card or a feed item shows it."""

    name: str
    slug: str


def add_listing_tags(reviews):
    """Set ``listing_tags`` on each of these reviews (read ``for_listing``) and on its film:
    their tags, as a list of ``ListedTag`` in the order the tags were made. One query of
    plain values for all of them: prefetching each relation would join through the tagged
    items twice and build a model instance for every tag."""
    reviews = list(reviews)
    if not reviews:
        return
    content_types = ContentType.objects.get_for_models(Film, Review)
    review_type, film_type = content_types[Review].pk, content_types[Film].pk
    tags = listed_tags(
        Q(content_type_id=review_type, object_id__in={review.pk for review in reviews})
        | Q(content_type_id=film_type, object_id__in={review.film_id for review in reviews})
    )
    for review in reviews:
        review.listing_tags = tags.get((review_type, review.pk), [])
        review.film.listing_tags = tags.get((film_type, review.film_id), [])


def listed_tags(tagged):
    """``{(content type id, object id): [ListedTag, ...]}`` for the tagged items matching
    ``tagged`` (a Q on taggit's TaggedItem), in the order the tags were made: one query of
    plain values."""
    rows = (
        TaggedItem.objects.filter(tagged)
        .order_by("tag_id")
        .values_list("content_type_id", "object_id", "tag__name", "tag__slug")
    )
    tags = defaultdict(list)
    for content_type, object_id, name, slug in rows:
        tags[content_type, object_id].append(ListedTag(name, slug))
    return tags


# What a review line shows of a review (templates/includes/review_line.html): its address,
# headline, byline, publication, excerpt and rating.
LINE_FIELDS = [
    "id",
    "headline",
    "slug",
    "critic_id",
    "byline",
    "publication_name",
    "dek",
    "body",
    "rating_value",
    "rating_best",
    "rating_step",
]
LINE_COLUMNS = [*LINE_FIELDS, "critic__name", "critic__slug"]


def review_lines(reviews):
    """These reviews (a queryset, sliced or not) as review lines show them: reviews holding
    only ``LINE_FIELDS``, each with its critic's name and address. One query of plain
    values: a review's other columns and its critic's record are not read, and
    ``only()`` costs more to build than it saves."""
    rows = reviews.values_list(*LINE_COLUMNS)
    return lines_from(rows, rows.db)


def other_review_lines(review, count):
    """As ``review_lines(review.film.reviews.published().exclude(pk=review.pk)[:count])``:
    the newest of the film's other reviews, for the review's page, by a query compiled
    once for each ``count`` (it reads them on every render). A review not saved yet (an
    editor's preview) has them read through the ORM."""
    if review.pk is None:
        return review_lines(review.film.reviews.published()[:count])
    database = router.db_for_read(Review, instance=review)
    rows = other_reviews_query(count)(review.film_id, review.pk, timezone.now(), using=database)
    return lines_from(rows, database)


@cache
def other_reviews_query(count):
    return PreparedQuery(
        lambda film_pk, review_pk, now: (
            Review.objects.filter(published_condition(now=now), film=film_pk)
            .exclude(pk=review_pk)
            .values_list(*LINE_COLUMNS)[:count]
        )
    )


def lines_from(rows, database):
    lines = []
    for *values, critic_name, critic_slug in rows:
        review = Review.holding(dict(zip(LINE_FIELDS, values, strict=True)))
        if review.critic_id is not None:
            names, critic = ["id", "name", "slug"], [review.critic_id, critic_name, critic_slug]
            review.critic = Critic.from_db(database, names, critic)
        lines.append(review)
    return lines


def tags_shown(item):
    """A review's or a film's tags: the list ``add_listing_tags`` set, or else its manager's."""
    if hasattr(item, "listing_tags"):
        return item.listing_tags
    return list(item.tags.all())


class ReviewQuerySet(models.QuerySet):
    def published(self):
        """Reviews readers can see: published, or scheduled for a time that has come."""
        return self.filter(published_condition())

    def scheduled(self):
        """Reviews waiting for their publication time: readers cannot see them yet."""
        return self.exclude(status=Review.Status.DRAFT).filter(publish_at__gt=timezone.now())

    def drafts(self):
        return self.filter(status=Review.Status.DRAFT)

    def rated(self):
        return self.filter(rating_value__isnull=False)

    def next_publication_time(self):
        """When the next scheduled review goes live, or None: listings change then."""
        return self.scheduled().aggregate(next=models.Min("publish_at"))["next"]

    def tagged(self, tag, many=False):
        """Reviews carrying ``tag``, or whose film carries it: what a tag's page lists.

        Without ``many``, the tag's items name the reviews and their films: the database
        gathers them, and sorts them for a listing, which is cheap while they are few.
        With ``many`` (see ``is_common_tag``), each review is checked against the tag's
        items, so that a listing newest first walks the reviews in index order and stops
        once its page is full, where sorting tens of thousands of reviews would read all.
        """
        content_types = ContentType.objects.get_for_models(Film, Review)

        def items(model, **lookups):
            # One filter() each: building the querysets is a part of every tag page's cost.
            content_type = content_types[model]
            return TaggedItem.objects.filter(
                tag_id=tag.pk, content_type_id=content_type.pk, **lookups
            )

        if many:
            # One probe of the items for the review or its film: of two EXISTS in an OR,
            # PostgreSQL would gather all the tag's items into a hash first, for every page.
            review_or_film = Q(
                content_type_id=content_types[Review].pk, object_id=OuterRef("pk")
            ) | Q(content_type_id=content_types[Film].pk, object_id=OuterRef("film_id"))
            return self.filter(Exists(TaggedItem.objects.filter(review_or_film, tag_id=tag.pk)))
        # Their union, on PostgreSQL, drives the lookup of the reviews by id; an OR of the
        # two would be checked against every review.
        of_films = Review.objects.filter(film__in=items(Film).values("object_id"))
        named = items(Review).order_by().values("object_id")
        return self.filter(pk__in=named.union(of_films.order_by().values("pk"), all=True))

    # Other apps' one-to-one records of a review that the review page and the listings
    # show with it, read in the same query: added by ``show_related``.
    related_shown = []

    @classmethod
    def show_related(cls, *names):
        """For another app, in its ``AppConfig.ready()``: one-to-one relations of a review
        (by their related names) that the review page and the listings read with it."""
        cls.related_shown.extend(name for name in names if name not in cls.related_shown)

    def for_page(self):
        """With all that the review page shows of the review and its film. Its tags, pull
        quotes and further reading, and its film's directors and cast, are read as plain
        values when first shown (``Review.article_tags`` and the others,
        ``Film.shown_credits``): a prefetch costs twice as much."""
        return self.select_related("film", "critic", *self.related_shown)

    def for_listing(self):
        """With the film, critic and other records a review's card shows. The cards' tags
        (the reviews' and their films') are read for the page by ``add_listing_tags``."""
        return self.select_related("film", "critic", *self.related_shown)


class Review(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    class RatingStep(models.TextChoices):
        WHOLE = str(WHOLE_STAR), "Whole stars"
        HALF = str(HALF_STAR), "Half stars"

    film = models.ForeignKey(Film, on_delete=models.PROTECT, related_name="reviews")
    headline = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    critic = models.ForeignKey(
        Critic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
        db_index=False,  # the review_critic_order index serves it
        help_text="The byline, when the critic has a record; their page lists the review.",
    )
    byline = models.CharField(
        "free-text byline",
        max_length=200,
        blank=True,
        help_text="For a byline with no critic record (imported reviews). "
        "Leave empty when unknown.",
    )
    publication_name = models.CharField("publication", max_length=200, blank=True)
    publication_url = WebAddressField("publication's site", blank=True)
    original_url = WebAddressField(
        blank=True, help_text="Where the review was first published, if elsewhere."
    )
    review_date = models.DateField(
        null=True, blank=True, help_text="The date the review was written; empty when unknown."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        help_text="When readers can see it. Scheduled reviews stay hidden until then.",
    )
    dek = models.TextField("dek", blank=True, help_text="A sentence or two under the headline.")
    tagline = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown: ## for section headings, > for quotations.")
    body_html = models.TextField(editable=False, default="")
    body_sections = models.JSONField(editable=False, default=list)
    hero_image = models.ImageField(
        upload_to="reviews/%Y/",
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
        validators=[validate_image_file],
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_renditions = models.JSONField(default=list, blank=True, editable=False)
    hero_alt = models.CharField(
        "hero image alt text", max_length=300, blank=True, help_text="What the image shows."
    )
    hero_caption = models.CharField(max_length=300, blank=True)
    rating_value = models.DecimalField(
        "rating", max_digits=4, decimal_places=1, null=True, blank=True
    )
    rating_best = models.PositiveSmallIntegerField(
        "out of", null=True, blank=True, help_text="The best possible rating: 4, 5, 10…"
    )
    rating_step = models.CharField(
        max_length=3, choices=RatingStep.choices, default=RatingStep.WHOLE
    )
    rating_normalised = models.GeneratedField(
        expression=F("rating_value") * 100.0 / F("rating_best"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    tags = TaggableManager(blank=True)
    mentioned_films = models.ManyToManyField(
        Film, blank=True, related_name="mentioned_in", help_text="Other films the review names."
    )
    film_to_confirm = models.BooleanField(
        "film to confirm",
        default=False,
        help_text="Imported: check the film and rating proposed for it, then untick.",
    )
    import_proposal = models.JSONField(
        default=dict, blank=True, editable=False, help_text="What the import proposed, and why."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="review_status_publish"),
            # Newest first, for the home page and the admin's list.
            models.Index(fields=["publish_at", "id"], name="review_publish_order"),
            # A film's published reviews and their ratings, read from the index alone: the
            # films list's "reviewed" test and its review summaries.
            models.Index(
                fields=["film", "publish_at", "status", "rating_value", "rating_normalised"],
                name="review_film_summary",
            ),
            # The scales in use, for the admin's rating filter.
            models.Index(fields=["rating_best"], name="review_rating_scale"),
            # A critic's page, newest first.
            models.Index(fields=["critic", "publish_at", "id"], name="review_critic_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(publish_at__isnull=False),
                name="review_publish_time_set",
                violation_error_message="A scheduled or published review needs a publish time.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(rating_value__isnull=True, rating_best__isnull=True)
                    | Q(rating_value__isnull=False, rating_best__isnull=False)
                ),
                name="review_rating_complete",
            ),
            models.CheckConstraint(
                condition=Q(rating_best__isnull=True)
                | (Q(rating_best__gte=1) & Q(rating_best__lte=100)),
                name="review_rating_scale",
            ),
            models.CheckConstraint(
                condition=Q(rating_value__isnull=True)
                | (Q(rating_value__gte=0) & Q(rating_value__lte=F("rating_best"))),
                name="review_rating_within_scale",
            ),
            # A value is on its step when value / step is a whole number. CAST truncates
            # on SQLite and rounds on PostgreSQL; either way it equals only whole numbers.
            models.CheckConstraint(
                condition=Q(rating_value__isnull=True)
                | Q(
                    rating_step=str(WHOLE_STAR),
                    rating_value=Cast(F("rating_value"), models.IntegerField()),
                )
                | Q(
                    rating_step=str(HALF_STAR),
                    rating_value=Cast(F("rating_value") * 2, models.IntegerField()) / 2.0,
                ),
                name="review_rating_on_step",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.body_html, self.body_sections = render_markdown(self.body)
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        save = partial(super().save, *args, **kwargs)
        save_with_image(self, save, "hero_image", "hero_renditions")

    def get_absolute_url(self):
        return slug_url("reviews:detail", self.slug)

    def clean(self):
        errors = {}
        if (self.rating_value is None) != (self.rating_best is None):
            missing = "rating_best" if self.rating_best is None else "rating_value"
            errors[missing] = "Give both the rating and the best possible rating, or neither."
        elif self.rating_value is not None:
            errors.update(self._rating_errors())
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        if self.status == self.Status.SCHEDULED and self.publish_at is None:
            errors["publish_at"] = "A scheduled review needs the time it will be published."
        if self.hero_image and not self.hero_alt.strip():
            errors["hero_alt"] = "Describe the image for readers who cannot see it."
        if errors:
            raise ValidationError(errors)

    def _rating_errors(self):
        value, best = Decimal(self.rating_value), self.rating_best
        if not 1 <= best <= 100:
            return {"rating_best": "The best possible rating must be between 1 and 100."}
        if not 0 <= value <= best:
            return {"rating_value": f"The rating must be between 0 and {best}."}
        step = Decimal(self.rating_step)
        if value % step:
            which = "whole" if step == WHOLE_STAR else "half"
            nearest = (value // step * step).normalize()
            return {"rating_value": f"The rating must be in {which} stars, such as {nearest:f}."}
        return {}

    @property
    def is_published(self):
        return (
            self.status != self.Status.DRAFT
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def display_status(self):
        """What readers would see: Draft, Scheduled (until its time) or Published."""
        if self.status == self.Status.DRAFT:
            return self.Status.DRAFT.label
        return self.Status.PUBLISHED.label if self.is_published else self.Status.SCHEDULED.label

    @property
    def byline_name(self):
        """The name the review is signed with: its critic's, else the free-text byline
        (empty when unknown). Load ``critic`` with the review."""
        return self.critic.name if self.critic_id else self.byline

    @property
    def hero_picture(self):
        return picture(self.hero_image, self.hero_width, self.hero_height, self.hero_renditions)

    @property
    def rating(self):
        if self.rating_value is None or self.rating_best is None:
            return None
        return Rating(value=Decimal(self.rating_value), best=self.rating_best)

    @rating.setter
    def rating(self, rating):
        """Set the value, scale and step together; None for no rating."""
        if rating is None:
            self.rating_value = self.rating_best = None
            self.rating_step = self.RatingStep.WHOLE
        else:
            self.rating_value, self.rating_best = rating.value, rating.best
            self.rating_step = str(rating.step)

    @property
    def display_tags(self):
        """The review's own tags, or its film's when the review has none (read beforehand,
        by ``add_listing_tags`` or ``for_page``)."""
        return tags_shown(self) or tags_shown(self.film)

    @classmethod
    def holding(cls, fields):
        """A review holding these fields' values (by attname), as if read with ``only()``:
        any other field is read from the database when asked for."""
        names = [f.attname for f in cls._meta.concrete_fields if f.attname in fields]
        return cls.from_db(router.db_for_read(cls), names, [fields[name] for name in names])

    @cached_property
    def article_extras(self):
        """What the review's page shows after its text, each as pairs of plain values in
        order: its own tags (name, slug) in the order they were made, its pull quotes
        (text, attribution) and further reading (title, address), in one query."""
        review_type = ContentType.objects.get_for_model(Review).pk
        extras = {kind: [] for kind in ARTICLE_EXTRAS_KINDS}
        for kind, first, second, *_order in ARTICLE_EXTRAS(review_type, self.pk):
            extras[kind].append((first, second))
        return extras

    @cached_property
    def article_tags(self):
        """The review's own tags as its page lists them, as ``ListedTag`` in the order the
        tags were made (as the cards list them). A preview sets the tags it shows."""
        return [ListedTag(*pair) for pair in self.article_extras["tags"]]

    @cached_property
    def article_pull_quotes(self):
        """The pull quotes its page shows, as ``ShownPullQuote``, in order; a preview sets them."""
        return [ShownPullQuote(*pair) for pair in self.article_extras["pull_quotes"]]

    @cached_property
    def article_further_reading(self):
        """The links its page lists after it, as ``ShownLink``, in order; a preview sets them."""
        return [ShownLink(*pair) for pair in self.article_extras["further_reading"]]

    @property
    def excerpt(self):
        """The dek, or else the start of the body's first paragraph outside its spoilers."""
        if self.dek:
            return self.dek
        for paragraph in without_spoilers(self.body).split("\n\n"):
            paragraph = paragraph.strip()
            if paragraph and not paragraph.startswith(("#", ">", "!", "-", "*")):
                return paragraph
        return ""


def article_extras(content_type, review_pk):
    """A review's tags, pull quotes and further reading as one query (``Review.article_extras``):
    rows of (kind, two values, the two columns that order them)."""

    def rows(kind, items, first, second, *order):
        return (
            items.order_by()
            .annotate(kind=Value(kind), first=F(first), second=F(second))
            .values_list("kind", "first", "second", *order)
        )

    tags = TaggedItem.objects.filter(content_type_id=content_type, object_id=review_pk)
    pull_quotes = PullQuote.objects.filter(review=review_pk)
    further_reading = FurtherReading.objects.filter(review=review_pk)
    return (
        rows("tags", tags, "tag__name", "tag__slug", "tag_id", "id")
        .union(
            rows("pull_quotes", pull_quotes, "text", "attribution", "position", "id"),
            rows("further_reading", further_reading, "title", "url", "position", "id"),
            all=True,
        )
        .order_by("kind", "tag_id", "id")  # the union's columns have the tags' names
    )


ARTICLE_EXTRAS_KINDS = ["tags", "pull_quotes", "further_reading"]
# Read on every render of a review's page: compiled once (core.prepared).
ARTICLE_EXTRAS = PreparedQuery(article_extras)


class ShownPullQuote(NamedTuple):
    """A pull quote as the review's page shows it."""

    text: str
    attribution: str


class ShownLink(NamedTuple):
    """A link of a review's further reading as its page shows it."""

    title: str
    url: str


class PullQuote(InOrder):
    list_owner = "review"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pull_quotes")
    text = models.TextField()
    attribution = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:80]


class FurtherReading(InOrder):
    """A link after a review; the address may be unknown when only its title survives."""

    list_owner = "review"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="further_reading")
    title = models.CharField(max_length=300)
    url = WebAddressField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "further reading"

    def __str__(self):
        return self.title
