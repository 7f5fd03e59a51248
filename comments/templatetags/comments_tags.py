from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from comments.forms import ISSUED_PER_READER, CommentForm
from comments.models import Comment, discussion_of
from comments.services import comments_are_open
from comments.views import PENDING_SESSION_KEY
from core import pagecache
from reviews import keys

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


def shown_comments(review, pending_ids, is_open):
    """The review's approved comments and this reader's pending ones, oldest first, each
    knowing whether it may be answered."""
    comments = list(
        Comment.objects.filter(review=review).visible_to(pending_ids).select_related("user__critic")
    )
    for comment in comments:
        comment.can_reply = (
            is_open
            and comment.status == Comment.Status.APPROVED
            and comment.depth + 1 < settings.COMMENTS_THREAD_DEPTH
        )
    return comments


def threads_fragment_key(review, is_open):
    """Where the review's threads as every reader sees them are kept: stale as soon as the
    review's page is (a comment approved or taken down, a staff name changed), or None
    when the shared cache cannot say its version."""
    version = pagecache.current_versions([keys.review(review.pk)])[keys.review(review.pk)]
    if version is None:
        return None
    zone = timezone.get_current_timezone_name()
    return f"comments-threads:{review.pk}:{version}:{is_open}:{zone}"


def shared_threads(review, is_open):
    """``(threads' HTML, approved count)`` for a reader with no comment of their own waiting:
    rendered once per version of the review, then read from the shared cache, so a page
    rendered again for another reason does not read and render its comments again."""
    key = threads_fragment_key(review, is_open) if settings.PAGE_CACHE_SECONDS else None
    kept = cache.get(key) if key else None
    if kept is not None:
        return mark_safe(kept[0]), kept[1]  # noqa: S308 (as render_threads made it)
    comments = shown_comments(review, [], is_open)
    html, count = render_threads(comments), len(comments)
    if key:
        cache.set(key, (str(html), count), settings.PAGE_CACHE_SECONDS)
    return html, count


@register.inclusion_tag("comments/section.html", takes_context=True)
def comments_section(context, review):
    """The review's approved comments in threads, the visitor's own pending ones, and the form."""
    request = context["request"]
    pending_ids = request.session.get(PENDING_SESSION_KEY, [])
    is_open = comments_are_open(review)
    form = context.get("comment_form")  # sent back with what to fix
    issued = form["issued"] if form is not None else None
    replying_to = None
    if not pending_ids and form is None and "replyto" not in request.GET:
        threads, response_count = shared_threads(review, is_open)
    else:
        comments = shown_comments(review, pending_ids, is_open)
        threads = render_threads(comments)
        response_count = sum(c.status == Comment.Status.APPROVED for c in comments)
        if form is None and is_open:
            form = CommentForm(review=review, initial={"parent": reply_target(request, comments)})
        parent_id = form["parent"].value() if form is not None else None
        replying_to = next((c for c in comments if str(c.pk) == str(parent_id)), None)
    if form is None and is_open:
        form = CommentForm(review=review)
    if issued is None and form is not None:
        # A form's age is each reader's own, also on a page served from the cache.
        issued = mark_safe(pagecache.per_reader(request, ISSUED_PER_READER))
    return {
        "review": review,
        "threads": threads,
        "response_count": response_count,
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
