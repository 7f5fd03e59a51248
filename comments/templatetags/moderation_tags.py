from django import template

from comments.desk import queue_by_reason, reviews_with_comments_waiting
from comments.models import Comment

register = template.Library()


@register.simple_tag
def pending_comment_count():
    """How many comments wait for a moderator: one count on the status index."""
    return Comment.objects.pending().count()


@register.simple_tag
def moderators_desk():
    return {"by_reason": queue_by_reason(), "reviews": reviews_with_comments_waiting()}


@register.simple_tag
def reviews_waiting():
    """The reviews with comments waiting, for an editor's desk (no counts by reason)."""
    return reviews_with_comments_waiting()
