from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from comments.forms import ISSUED_PER_READER, CommentForm
from comments.models import Comment, discussion_of
from comments.services import comments_are_open
from comments.views import PENDING_SESSION_KEY
from core import pagecache

register = template.Library()


def build_threads(comments):
    """Arrange comments (oldest first) into top-level threads with ``children`` lists.

    A reply whose parent is not shown (taken down after the reply was approved) starts a
    thread of its own, so every comment counted in "N responses" is on the page.
    """
    by_id = {comment.pk: comment for comment in comments}
    threads = []
    for comment in comments:
        comment.children = []
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent is not None:
            parent.children.append(comment)
        else:
            threads.append(comment)
    return threads


def render_threads(comments):
    """The threads' HTML (empty without comments), by Jinja2: see settings.TEMPLATES."""
    if not comments:
        return ""
    return mark_safe(  # noqa: S308 (Jinja2 escaped every value; bodies are sanitised HTML)
        render_to_string(
            "comments/threads.html",
            {"threads": build_threads(comments), "time_zone": timezone.get_current_timezone()},
        )
    )


@register.filter
def approved_comment_count(review):
    """The review's approved comments, as stored for the listings (0 without a discussion)."""
    return discussion_of(review).approved_count


@register.inclusion_tag("comments/section.html", takes_context=True)
def comments_section(context, review):
    """The review's approved comments in threads, the visitor's own pending ones, and the form."""
    request = context["request"]
    pending_ids = request.session.get(PENDING_SESSION_KEY, [])
    comments = list(
        Comment.objects.filter(review=review).visible_to(pending_ids).select_related("user")
    )
    is_open = comments_are_open(review)
    for comment in comments:
        comment.can_reply = (
            is_open
            and comment.status == Comment.Status.APPROVED
            and comment.depth + 1 < settings.COMMENTS_THREAD_DEPTH
        )
    form = context.get("comment_form")
    issued = form["issued"] if form is not None else None
    if form is None and is_open:
        form = CommentForm(review=review, initial={"parent": reply_target(request, comments)})
        # A form's age is each reader's own, also on a page served from the cache.
        issued = mark_safe(pagecache.per_reader(request, ISSUED_PER_READER))
    parent_id = form["parent"].value() if form is not None else None
    replying_to = next((c for c in comments if str(c.pk) == str(parent_id)), None)
    return {
        "review": review,
        "threads": render_threads(comments),
        "response_count": sum(c.status == Comment.Status.APPROVED for c in comments),
        "comments_open": is_open,
        "form": form,
        "issued_field": issued,
        "replying_to": replying_to,
        "request": request,
    }


def reply_target(request, comments):
    """The approved comment named by ``?replyto=``, if a reply to it is allowed."""
    wanted = request.GET.get("replyto", "")
    return next((c.pk for c in comments if str(c.pk) == wanted and c.can_reply), None)
