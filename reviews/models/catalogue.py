"""The catalogue: films, the people who made them, and their credits."""

from functools import cache, partial

from django.db import models, router
from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q
from django.utils.functional import cached_property
from taggit.managers import TaggableManager

from core.links import slug_url
from core.prepared import PreparedQuery

from ..images import (
    discard_stored_image,
    make_renditions,
    picture,
    renditions_are_current,
    store_clean_upload,
    validate_image_file,
)


def save_with_image(instance, save, image_field, renditions_field):
    """Save ``instance`` with ``save``, storing a new upload clean, and queue the making of
    its renditions (``images.make_renditions``); until they are made it has none.

    When a step fails, a file just uploaded is deleted again before the error is raised, so
    that a failed save leaves nothing behind in the media folder. The task is enqueued in
    the save's transaction: the database queue then runs it only once the save commits,
    and not at all if it rolls back.
    """
    uploaded = store_clean_upload(instance, image_field)
    field = instance._meta.get_field(image_field)
    try:
        if uploaded:
            setattr(instance, renditions_field, [])
        save()
        field_file = getattr(instance, image_field)
        width = getattr(instance, field.width_field)
        current = getattr(instance, renditions_field)
        if not renditions_are_current(field_file, width, current):
            if field_file:
                make_renditions.enqueue(
                    instance._meta.label_lower, instance.pk, image_field, renditions_field
                )
            else:
                setattr(instance, renditions_field, [])
                type(instance).objects.filter(pk=instance.pk).update(**{renditions_field: []})
    except BaseException:
        if uploaded:
            discard_stored_image(getattr(instance, image_field))
        raise


class Person(models.Model):
    """Someone who worked on films: one record across every film and role."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("reviews:person", self.slug)


class FilmQuerySet(models.QuerySet):
    def reviewed(self):
        """Films with at least one published review."""
        from .reviews import Review  # reviews.py imports this module

        return self.filter(Exists(Review.objects.published().filter(film=OuterRef("pk"))))

    def tagged(self, tag):
        """Films carrying ``tag``, the most recently tagged first: an order read from the
        tag's own index, where ordering by the films' titles would sort them all."""
        return self.filter(tagged_items__tag=tag).order_by("-tagged_items__pk")

    def with_directors(self):
        """Prefetch each film's directors only (``shown_credits``): a listing of films need
        not read casts of two hundred."""
        directors = Credit.objects.filter(role=Credit.Role.DIRECTOR)
        return self.prefetch_related(shown_credits(directors))

    def with_rating_summary(self):
        """Annotate ``rating_average`` (0-100) and ``rating_count`` of published, rated
        reviews: a join, for lists sorted by them (the admin's)."""
        from .reviews import rating_aggregates  # reviews.py imports this module

        return self.annotate(**rating_aggregates("reviews__"))


MAIN_CAST_SHOWN = 5
LINKED_FILM_FIELDS = ["id", "title", "year", "slug"]


def newest_tagged_films(tag, count):
    """The ``count`` films most recently given ``tag``, holding only their title, year
    and slug (what a tag's page links to them with): read by a query compiled once for
    each ``count``, since a tag's page reads them on every render."""
    database = router.db_for_read(Film)
    rows = newest_tagged_query(count)(tag.pk, using=database)
    return [Film.from_db(database, LINKED_FILM_FIELDS, row) for row in rows]


@cache
def newest_tagged_query(count):
    return PreparedQuery(
        lambda tag_pk: Film.objects.tagged(tag_pk).values_list(*LINKED_FILM_FIELDS)[:count]
    )


def shown_credits(credits, prefix=""):
    """A Prefetch of these credits of each film, with their people, in billing order, as
    ``shown_credits``: what the page shows of a film's credits, where it need not show all.
    Through ``prefix``, e.g. ``"film__"`` from a review."""
    credits = credits.select_related("person").order_by("position", "id")
    return Prefetch(f"{prefix}credits", queryset=credits, to_attr="shown_credits")


def headline_credits(film):
    """What a film's panel shows of its credits: its directors and its cast, of which the
    panel shows the ``MAIN_CAST_SHOWN`` top-billed (``Film.main_cast``), with their people,
    in billing order. The whole cast is read, in one plain query compiled once (a review's
    page reads it on every render): a film has a dozen credits or so, and cutting the cast
    in the database (a window function) costs more than reading it up to casts of about
    120."""
    database = router.db_for_read(Credit, instance=film)
    credits = []
    for *fields, name, slug in HEADLINE_CREDITS(film.pk, using=database):
        credit = Credit.from_db(database, CREDIT_FIELDS, fields)
        credit.person = Person.from_db(
            database, ["id", "name", "slug"], [credit.person_id, name, slug]
        )
        credits.append(credit)
    return credits


CREDIT_FIELDS = ["id", "film_id", "person_id", "role", "character", "position"]
HEADLINE_CREDITS = PreparedQuery(
    lambda film_pk: (
        Credit.objects.filter(film=film_pk, role__in=[Credit.Role.DIRECTOR, Credit.Role.CAST])
        .order_by("position", "id")
        .values_list(*CREDIT_FIELDS, "person__name", "person__slug")
    )
)


class Film(models.Model):
    """A film. With only a title and a year it is a stub, for a film not yet reviewed."""

    title = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField(help_text="Year of first release.")
    slug = models.SlugField(max_length=220, unique=True)
    synopsis = models.TextField(blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    based_on = models.CharField(
        max_length=300,
        blank=True,
        help_text="The work it adapts, e.g. “Kazuo Ishiguro’s novel Never Let Me Go”.",
    )
    poster = models.ImageField(
        upload_to="posters/%Y/",
        blank=True,
        width_field="poster_width",
        height_field="poster_height",
        validators=[validate_image_file],
    )
    poster_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    poster_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    poster_renditions = models.JSONField(default=list, blank=True, editable=False)
    people = models.ManyToManyField(Person, through="Credit", related_name="films", blank=True)
    related_films = models.ManyToManyField(
        "self", through="RelatedFilm", symmetrical=False, related_name="+", blank=True
    )
    tags = TaggableManager(blank=True, help_text="Genres and themes, separated by commas.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FilmQuerySet.as_manager()

    class Meta:
        ordering = ["title", "year"]
        indexes = [models.Index(fields=["title", "year"], name="film_title_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1870) & Q(year__lte=2100), name="film_year_plausible"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def save(self, *args, **kwargs):
        save = partial(super().save, *args, **kwargs)
        save_with_image(self, save, "poster", "poster_renditions")

    def get_absolute_url(self):
        return slug_url("reviews:film", self.slug)

    @property
    def poster_picture(self):
        return picture(self.poster, self.poster_width, self.poster_height, self.poster_renditions)

    @cached_property
    def shown_credits(self):
        """The credits a page shows of the film: those a Prefetch put here (``shown_credits``),
        or else its directors and cast (``headline_credits``), read when first shown."""
        return headline_credits(self)

    def credits_for(self, role):
        """This film's credits in one role (a director or the cast): from all its credits
        when the page prefetched them, or else from ``shown_credits``."""
        if "credits" in getattr(self, "_prefetched_objects_cache", {}):
            credits = self.credits.all()
        else:
            credits = self.shown_credits
        return [credit for credit in credits if credit.role == role]

    def credits_by_role(self):
        """``[(role label, [credits])]`` in the order of Credit.Role, crew before cast."""
        return group_by_role(self.credits.all())

    @property
    def directors(self):
        return [credit.person for credit in self.credits_for(Credit.Role.DIRECTOR)]

    @property
    def main_cast(self):
        return self.credits_for(Credit.Role.CAST)[:MAIN_CAST_SHOWN]

    def rating_summary(self):
        """``(average 0-100, count)`` over this film's published, rated reviews."""
        from .reviews import add_review_summaries  # reviews.py imports this module

        add_review_summaries([self])
        return self.rating_average, self.rating_count


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", "Director"
        WRITER = "writer", "Writer"
        AUTHOR = "author", "Author of the original work"
        PRODUCER = "producer", "Producer"
        CINEMATOGRAPHER = "cinematographer", "Cinematographer"
        EDITOR = "editor", "Editor"
        COMPOSER = "composer", "Composer"
        CAST = "cast", "Cast"

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credits")
    role = models.CharField(max_length=20, choices=Role.choices)
    character = models.CharField(max_length=200, blank=True, help_text="For cast: the part played.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Billing order.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["film", "person", "role", "character"], name="credit_unique"
            ),
        ]
        indexes = [models.Index(fields=["person", "role"])]

    def __str__(self):
        label = self.character or self.get_role_display()
        return f"{self.person} — {label} in {self.film}"


def group_by_role(credits):
    """``[(role label, [credits])]`` in the order of Credit.Role, keeping each group's order."""
    credits = list(credits)
    groups = [(role.label, [c for c in credits if c.role == role]) for role in Credit.Role]
    return [(label, members) for label, members in groups if members]


class InOrder(models.Model):
    """A row of a list an editor puts in order (``position``, then the order added) under
    its ``list_owner``. A row added without a position goes after the others."""

    list_owner = None  # the name of the foreign key the list belongs to

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding and not self.position:
            owner = {self.list_owner: getattr(self, f"{self.list_owner}_id")}
            last = type(self).objects.filter(**owner).aggregate(last=Max("position"))["last"]
            self.position = (last or 0) + 1
        super().save(*args, **kwargs)


class RelatedFilm(InOrder):
    """A film an editor recommends after another, in the editor's order."""

    list_owner = "film"

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["film", "related"], name="related_film_unique"),
            models.CheckConstraint(
                condition=~Q(film=F("related")),
                name="related_film_not_self",
                violation_error_message="A film cannot be related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.film} → {self.related}"
