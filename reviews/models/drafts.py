"""A published review's pending edit: saved by an editor, not yet shown to readers."""

from datetime import date

from django.conf import settings
from django.db import models
from taggit.models import Tag

from ..ratings import parse_rating
from .catalogue import Film
from .critics import Critic
from .reviews import FurtherReading, PullQuote, Review

# The review's own fields a draft holds, besides its tags, mentioned films and inlines. Its
# publication state (status, publish time) and image file stay the live review's: a draft
# changes what the review says.
DRAFT_FIELDS = [
    "film",
    "headline",
    "slug",
    "critic",
    "byline",
    "publication_name",
    "publication_url",
    "original_url",
    "review_date",
    "dek",
    "tagline",
    "body",
    "hero_alt",
    "hero_caption",
    "rating",
]


# The rows of the review's inlines a draft holds: each relation's name and fields.
DRAFTED_INLINES = {
    PullQuote: ("pull_quotes", ["text", "attribution", "position"]),
    FurtherReading: ("further_reading", ["title", "url", "position"]),
}


class ReviewDraft(models.Model):
    """The edited values of a review's fields, tags, mentioned films, pull quotes and
    further reading, kept as the editor left the form (JSON) until published or discarded."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, primary_key=True, related_name="draft"
    )
    values = models.JSONField(default=dict)
    tags = models.JSONField(default=list)
    mentioned_films = models.JSONField(default=list)
    pull_quotes = models.JSONField(default=list)
    further_reading = models.JSONField(default=list)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-saved_at"]

    def __str__(self):
        return f"Draft of {self.review}"

    def get_absolute_url(self):
        return self.review.get_absolute_url()

    def field_values(self):
        """The drafted fields as the model holds them (a Rating, a date, a film's id)."""
        values = dict(self.values)
        if values.get("review_date"):
            values["review_date"] = date.fromisoformat(values["review_date"])
        values["rating"] = parse_rating(values.get("rating") or "")
        return values

    def apply_to(self, review):
        """Set the drafted fields on ``review`` (not saved)."""
        for name, value in self.field_values().items():
            if name == "film":
                review.film = Film.objects.get(pk=value)
            elif name == "critic":
                review.critic = Critic.objects.filter(pk=value).first() if value else None
            else:
                setattr(review, name, value)
        return review

    def inline_objects(self, review):
        """The drafted inline rows, unsaved, by relation name: ``{"pull_quotes": [...]}``."""
        return {
            name: [model(review=review, **row) for row in getattr(self, name)]
            for model, (name, _) in DRAFTED_INLINES.items()
        }

    def form_initial(self):
        """The drafted values as the review's admin form starts from them."""
        return {
            **self.field_values(),
            "tags": [Tag(name=name) for name in self.tags],  # as taggit's form field takes them
            "mentioned_films": self.mentioned_films,
        }
