import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from comments.forms import ISSUED_PER_READER, CommentForm
from comments.models import (
    Comment,
    discussion_of,
    discussion_read_again,
    shown_to_every_reader,
)
from comments.services import comments_are_open, open_for_its_age
from comments.threads import (
    NEWEST,
    Place,
    ThreadPage,
    build_threads,
    every_comment,
    page_of,
    requested_page,
)
from comments.views import PENDING_SESSION_KEY
from core import pagecache
from reviews import keys

register = template.Library()

SECTION_TEMPLATE = "comments/section.html"
FORM_FIELDS_TEMPLATE = "comments/form_fields.html"


def render_threads(threads):
    """The threads' HTML (empty without comments), by Jinja2: see settings.TEMPLATES."""
    if not threads:
        return ""
    return mark_safe(  # noqa: S308 (Jinja2 escaped every value; bodies are sanitised HTML)
        render_to_string(
            "comments/threads.html",
            {"threads": threads, "time_zone": timezone.get_current_timezone()},
        )
    )


@register.filter
def with_approved_comment_counts(reviews):
    """``[(review, its approved comments), ...]`` for a listing's cards, as stored for the
    listings (0 without a discussion)."""
    return [(review, discussion_of(review).approved_count) for review in reviews]


def may_be_answered(is_open, status, depth):
    return (
        is_open and status == Comment.Status.APPROVED and depth + 1 < settings.COMMENTS_THREAD_DEPTH
    )


def shown_places(review, pending_ids, is_open):
    """Where each of the review's shown comments stands (approved ones, placeholders of
    removed ones, this reader's pending ones), oldest first."""
    shown = Comment.objects.filter(review=review).visible_to(pending_ids)
    return [
        Place(pk, parent_id, status, may_be_answered(is_open, status, depth))
        for pk, parent_id, status, depth in shown.values_list("pk", "parent_id", "status", "depth")
    ]


# A review with at most this many pages' worth of approved comments has all its shown
# comments read whole in one query: up to there (and to about 8 on the large archive),
# cheaper than reading where each stands and then the page's comments whole.
PAGES_READ_WHOLE = 6


def requested_threads(review, pending_ids, is_open, request):
    """(the page of threads the request asks for, its comments read whole, each knowing
    whether it may be answered; the places of all the shown comments). Beyond
    ``PAGES_READ_WHOLE`` pages' worth, only the page's comments are read whole: a review
    may have thousands."""
    per_page = settings.COMMENTS_THREADS_PER_PAGE
    if discussion_of(review).approved_count <= PAGES_READ_WHOLE * per_page:
        if pending_ids:
            comments = Comment.objects.filter(review=review).visible_to(pending_ids).as_shown()
        else:
            comments = shown_to_every_reader(review.pk)
        for comment in comments:
            comment.can_reply = may_be_answered(is_open, comment.status, comment.depth)
        return page_of(build_threads(comments), *requested_page(request.GET)), comments
    places = shown_places(review, pending_ids, is_open)
    outline = page_of(build_threads(places), *requested_page(request.GET))
    shown = Comment.objects.filter(pk__in=[place.pk for place in every_comment(outline.threads)])
    comments = shown.visible_to(pending_ids).as_shown()
    for comment in comments:
        comment.can_reply = may_be_answered(is_open, comment.status, comment.depth)
    threads = build_threads(comments)  # the page's threads, whole: oldest first
    if outline.order == NEWEST:
        threads.reverse()
    return ThreadPage(threads, outline.number, outline.page_count, outline.order), places


def approved_among(comments):
    """How many of these shown comments "N responses" counts: not the pending ones, nor the
    placeholders of comments their authors removed."""
    return sum(comment.status == Comment.Status.APPROVED for comment in comments)


def section_fragment_key(review, open_for_age, request):
    """Where the review's comments section as every reader sees it is kept, for a page of
    its threads, with the version of the review's key it was rendered at."""
    zone = timezone.get_current_timezone_name()
    number, order = requested_page(request.GET)
    return f"comments-section:{review.pk}:{open_for_age}:{zone}:{number}:{order}"


# Where the reader's own signed time of issue goes in a section kept for every reader.
ISSUED_MARK = pagecache.placeholder(ISSUED_PER_READER)


def shared_section(review, request):
    """The section for a reader with no comment of their own waiting, as HTML: rendered
    once per version of the review and page of threads, then read from the shared cache,
    so that a page rendered again for another reason reads neither the review's comments
    nor its discussion, and renders neither the threads nor the empty form. What it shows
    (the comments, whether the editors keep them open, a staff name) changes only with the
    review's key (services.invalidate_review_pages); the time of issue is each reader's
    own. It is not kept when the shared cache cannot say the review's version."""
    open_for_age = open_for_its_age(review)
    seconds = pagecache.fragment_seconds()
    if seconds:
        key = section_fragment_key(review, open_for_age, request)
        kept, versions = pagecache.get_with_versions(key, [keys.review(review.pk)], request)
        if kept is not None and kept[0] == versions:
            return with_time_of_issue(kept[1], request)
        # Read after the version: the page's review may have been read before it.
        discussion = discussion_read_again(review)
    else:
        discussion = discussion_of(review)
    is_open = open_for_age and discussion.is_open
    page, places = requested_threads(review, [], is_open, request)
    form_fields = empty_form_fields(settings.COMMENTS_MAX_LENGTH) if is_open else None
    section = render_section(review, page, places, is_open, form_fields)
    if seconds and None not in versions.values():
        pagecache.keep(key, (versions, section), seconds)
    return with_time_of_issue(section, request)


def with_time_of_issue(section, request):
    """The section with the reader's own time of issue in its form (a placeholder while
    the page is rendered for the page cache)."""
    issued = pagecache.per_reader(request, ISSUED_PER_READER)
    return mark_safe(section.replace(ISSUED_MARK, issued))  # noqa: S308 (rendered escaped)


@register.simple_tag(takes_context=True)
def comments_section(context, review):
    """The review's approved comments in threads, the visitor's own pending ones, and the form."""
    request = context["request"]
    pending_ids = request.session.get(PENDING_SESSION_KEY, [])
    form = context.get("comment_form")  # sent back with what to fix
    if not pending_ids and form is None and "replyto" not in request.GET:
        return shared_section(review, request)
    is_open = comments_are_open(review)
    issued = form["issued"] if form is not None else None
    page, places = requested_threads(review, pending_ids, is_open, request)
    if form is None and is_open:
        form = CommentForm(review=review, initial={"parent": reply_target(request, places)})
    parent_id = form["parent"].value() if form is not None else None
    if issued is None and form is not None:
        # A form's age is each reader's own, also on a page served from the cache.
        issued = mark_safe(pagecache.per_reader(request, ISSUED_PER_READER))
    replying_to = answered_comment(places, parent_id)
    form_fields = render_form_fields(form, issued) if form is not None else None
    return render_section(review, page, places, is_open, form_fields, replying_to)


def render_section(review, page, places, is_open, form_fields, replying_to=None):
    """The section's HTML: the page of threads, how many responses, and the form with
    its fields (``form_fields``, HTML)."""
    context = {
        "review": review,
        "threads": render_threads(page.threads),
        "thread_page": page,
        "response_count": approved_among(places),
        "comments_open": is_open,
        "form_fields": form_fields,
        "replying_to": replying_to,
        "post_url": reverse("comments:post", args=[review.pk]),
    }
    html = render_to_string(SECTION_TEMPLATE, context, using="pieces")
    return mark_safe(html)  # noqa: S308 (Jinja2 escaped every value as Django would)


def render_form_fields(form, issued_field):
    html = render_to_string(FORM_FIELDS_TEMPLATE, {"form": form, "issued_field": issued_field})
    return mark_safe(html.strip())  # noqa: S308 (the template escapes what it shows)


@functools.lru_cache(maxsize=4)
def empty_form_fields(max_length):
    """The empty form's fields as every reader of every review is given them, with a
    placeholder for each reader's own time of issue: drawn once per process, since its
    widgets cost more to render than the rest of the comments section. ``max_length`` is
    the one setting they show (COMMENTS_MAX_LENGTH, which the form reads itself)."""
    issued_mark = mark_safe(ISSUED_MARK)  # noqa: S308 (the page cache's own mark)
    return render_form_fields(CommentForm(review=None), issued_mark)


def reply_target(request, places):
    """The approved comment named by ``?replyto=``, if a reply to it is allowed."""
    wanted = request.GET.get("replyto", "")
    return next((c.pk for c in places if str(c.pk) == wanted and c.can_reply), None)


def answered_comment(places, parent_id):
    """The shown comment a reply is being written to, on whichever page it is."""
    place = next((c for c in places if str(c.pk) == str(parent_id)), None)
    if place is None:
        return None
    return next(iter(Comment.objects.filter(pk=place.pk).as_shown()), None)
