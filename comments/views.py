import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import pagecache
from core.origins import sent_from_another_site
from core.visitors import client_ip
from reviews.models import Review
from reviews.views import review_page_context

from .flags import flag_comment
from .forms import CommentForm, FlagForm
from .models import Comment
from .services import address_hash, comments_are_open, rate_limited, submit_comment
from .threads import page_address, page_holding

PENDING_SESSION_KEY = "pending_comment_ids"


def remember_pending(request, comment):
    """Let the person who wrote a pending comment see it, in this browser only."""
    pending = request.session.get(PENDING_SESSION_KEY, [])
    request.session[PENDING_SESSION_KEY] = [*pending[-19:], comment.pk]
    pagecache.mark_personal(request)


def review_page_with_form(request, review, form):
    """The review page again, showing the form with what was typed and what to fix."""
    review = Review.objects.for_page().get(pk=review.pk)
    context = {**review_page_context(review, request), "comment_form": form}
    return TemplateResponse(request, settings.REVIEW_PAGE_TEMPLATE, context, status=400)


# No CSRF token: the form is on pages every reader shares (a token would be one reader's).
# The signed time of issue and the same-origin check protect it instead; the post never
# acts as the signed-in user, so a forged one can do no more than an anonymous reader can.
@csrf_exempt
@require_POST
def post_comment(request, review_id):
    review = get_object_or_404(Review.objects.published(), pk=review_id)
    if sent_from_another_site(request):
        return TemplateResponse(request, "comments/other_site.html", {"review": review}, status=403)
    form = CommentForm(request.POST, review=review)
    if not comments_are_open(review):
        form.is_valid()
        form.add_error(None, "Comments are closed on this review.")
    elif form.is_valid():
        ip_address = client_ip(request)
        if rate_limited(address_hash(ip_address)):
            form.add_error(
                None,
                "You have sent several comments in a short time. "
                "Please wait a few minutes, then send this one again.",
            )
        else:
            comment = submit_comment(form, ip_address, request)
            if comment.status == Comment.Status.APPROVED:
                messages.success(request, "Thank you: your comment is published.")
                return redirect(address_on_its_page(request, comment))
            if comment.status == Comment.Status.UNCONFIRMED:
                messages.info(
                    request,
                    "Check your email to confirm your address: we have sent you a link. "
                    "Your comment waits until you follow it.",
                )
                return redirect(f"{review.get_absolute_url()}#comments")
            if comment.status == Comment.Status.PENDING:
                remember_pending(request, comment)
                messages.info(request, "Your comment is awaiting moderation.")
                return redirect(address_on_its_page(request, comment))
            messages.info(request, "Your comment is awaiting moderation.")
            return redirect(f"{review.get_absolute_url()}#comments")
    form.refresh_timestamp()
    return review_page_with_form(request, review, form)


FLAGGER_COOKIE = "flagger"


@never_cache
def flag(request, comment_id):
    """A reader tells the moderators what is wrong with a published comment, once per
    browser (a random token in a cookie tells browsers apart; nothing else is kept)."""
    comment = get_object_or_404(
        Comment.objects.approved()
        .filter(review__in=Review.objects.published())
        .select_related("review"),
        pk=comment_id,
    )
    form = FlagForm(request.POST if request.method == "POST" else None)
    context = {"comment": comment, "form": form}
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(
            request, "comments/flag.html", context, status=400 if form.errors else 200
        )
    if rate_limited(address_hash(f"flags:{client_ip(request)}")):
        form.add_error(
            None, "You have flagged several comments in a short time. Please wait a few minutes."
        )
        return TemplateResponse(request, "comments/flag.html", context, status=429)
    token = request.COOKIES.get(FLAGGER_COOKIE) or secrets.token_urlsafe(24)
    context["recorded"] = flag_comment(comment, form.cleaned_data["reason"], token)
    response = TemplateResponse(request, "comments/flagged.html", context)
    response.set_cookie(
        FLAGGER_COOKIE,
        token,
        max_age=int(timedelta(days=365).total_seconds()),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def comment(request, comment_id):
    """A comment's own address: the review's page of threads that holds it, scrolled to it."""
    shown = Comment.objects.filter(review__in=Review.objects.published())
    wanted = get_object_or_404(
        shown.visible_to(request.session.get(PENDING_SESSION_KEY, [])).select_related("review"),
        pk=comment_id,
    )
    return redirect(address_on_its_page(request, wanted))


def address_on_its_page(request, comment):
    """The address of the review's page of threads holding the comment, as this visitor
    sees the threads (with their own pending comments), scrolled to it."""
    thread = Comment.objects.filter(review=comment.review_id).visible_to(
        request.session.get(PENDING_SESSION_KEY, [])
    )
    number = page_holding(list(thread.only("pk", "parent_id")), comment.pk)
    return f"{comment.review.get_absolute_url()}{page_address(number)}#comment-{comment.pk}"
