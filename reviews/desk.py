"""What the admin's front page shows an editor: the reviews that need them next."""

from dataclasses import dataclass

from .models import Review

SHOWN = 8


@dataclass
class Shelf:
    """Some reviews of one kind, the first ``SHOWN`` of them, and how many there are."""

    reviews: list
    count: int


def shelf(reviews):
    reviews = reviews.select_related("film")
    return Shelf(list(reviews[:SHOWN]), reviews.count())


def editors_desk():
    """Drafts last edited first, drafts of published reviews last saved first, scheduled
    reviews soonest first, and the reviews published most recently."""
    return {
        "drafts": shelf(Review.objects.drafts().order_by("-updated_at")),
        "drafts_of_live": shelf(
            Review.objects.filter(draft__isnull=False)
            .select_related("draft")
            .order_by("-draft__saved_at")
        ),
        "scheduled": shelf(Review.objects.scheduled().order_by("publish_at")),
        "published": shelf(Review.objects.published().order_by("-publish_at")),
    }
