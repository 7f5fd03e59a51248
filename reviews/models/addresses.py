"""The addresses a review or a film had before its slug changed, which redirect to it."""

from django.db import models

from .catalogue import Film
from .reviews import Review


class FormerSlug(models.Model):
    """A slug a page was once public under. The newest owner of a slug keeps it: when a
    second page is renamed away from a slug, the old address follows that page."""

    slug = models.SlugField(max_length=250, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    owner_field = None  # the concrete model's foreign key to its page

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.slug

    @classmethod
    def note_rename(cls, owner, old_slug, was_public):
        """``owner`` moves from ``old_slug`` to its current slug: the old address redirects
        to it if readers could have seen it there, and its current one no longer does."""
        cls.objects.filter(slug=owner.slug, **{cls.owner_field: owner}).delete()
        if was_public:
            cls.objects.update_or_create(slug=old_slug, defaults={cls.owner_field: owner})


class FormerReviewSlug(FormerSlug):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="former_slugs")

    owner_field = "review"

    class Meta(FormerSlug.Meta):
        verbose_name = "former address of a review"


class FormerFilmSlug(FormerSlug):
    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="former_slugs")

    owner_field = "film"

    class Meta(FormerSlug.Meta):
        verbose_name = "former address of a film"
