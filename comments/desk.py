"""What the admin's front page shows a moderator: the queue by reason, and the reviews
whose readers wait longest."""

from django.db.models import Count, Min

from reviews.models import Review

from .models import Comment

SHOWN = 8


def queue_by_reason():
    """(reason, its label, how many comments wait for it), largest first."""
    labels = {**dict(Comment.Reason.choices), Comment.Reason.NONE: "No reason recorded (imported)"}
    counts = (
        Comment.objects.pending()
        .order_by()
        .values_list("held_reason")
        .annotate(waiting=Count("pk"))
        .order_by("-waiting", "held_reason")
    )
    return [(reason, labels.get(reason, reason), waiting) for reason, waiting in counts]


def reviews_with_comments_waiting():
    """The reviews with pending comments, the one whose oldest has waited longest first."""
    return list(
        Review.objects.filter(comments__status=Comment.Status.PENDING)
        .annotate(waiting=Count("comments"), oldest=Min("comments__submitted_at"))
        .order_by("oldest")
        .select_related("film")[:SHOWN]
    )
