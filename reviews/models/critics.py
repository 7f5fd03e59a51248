"""Critics: the people who write the reviews, each with a page of their own."""

from functools import partial

from django.conf import settings
from django.db import models

from core.links import slug_url

from ..fields import WebAddressField
from ..images import picture, validate_image_file
from .catalogue import InOrder, save_with_image


class CriticQuerySet(models.QuerySet):
    def with_published_reviews(self):
        """Critics with a review readers can see, each with ``published_count``, by name."""
        from .reviews import published_condition  # reviews.py imports Critic from here

        counted = self.annotate(
            published_count=models.Count("reviews", filter=published_condition("reviews__"))
        )
        return counted.filter(published_count__gt=0).order_by("name", "id")


class Critic(models.Model):
    """A critic, optionally tied to the account they sign in with to answer their readers."""

    name = models.CharField(max_length=200, help_text="As the byline gives it.")
    slug = models.SlugField(max_length=200, unique=True)
    bio = models.TextField(
        "short bio", max_length=1000, blank=True, help_text="A few sentences, plain text."
    )
    photo = models.ImageField(
        upload_to="critics/%Y/",
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        validators=[validate_image_file],
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_renditions = models.JSONField(default=list, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="critic",
        help_text="The account they sign in with to reply to comments on their reviews.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CriticQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        save = partial(super().save, *args, **kwargs)
        save_with_image(self, save, "photo", "photo_renditions")

    def get_absolute_url(self):
        return slug_url("reviews:critic", self.slug)

    @property
    def photo_picture(self):
        return picture(self.photo, self.photo_width, self.photo_height, self.photo_renditions)


class CriticLink(InOrder):
    """One of a critic's places on the web: their site, their newsletter, a profile."""

    list_owner = "critic"

    critic = models.ForeignKey(Critic, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=200, help_text="What the link is, e.g. “Website”.")
    url = WebAddressField("address", max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title
