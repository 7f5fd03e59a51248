"""The pages the links mailed to commenters open: unsubscribing, confirming an address.

Opening a link (a GET, which mail scanners do on their own) changes nothing: it shows a
page whose button does it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import confirmation, notifications, subscriptions
from .models import Comment
from .views import address_on_its_page, remember_pending

ONE_CLICK = "One-Click"


def bad_link(request, problem, status=400, **where_next):
    """A link that does not work, saying why; ``heading``, ``next_url`` and ``next_label``
    may say it otherwise than the defaults (comments/bad_link.html)."""
    context = {"problem": problem, **where_next}
    return TemplateResponse(request, "comments/bad_link.html", context, status=status)


NOT_OURS = (
    "This link is not one this site sent, or it was changed on the way. "
    "Open the link from the email again, whole."
)


# RFC 8058: a mail client's one-click POST carries no CSRF token; the signed link, which
# nobody can make without the site's key, is the proof instead.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        hashed, thread_id = subscriptions.read_token(token)
    except subscriptions.BadLink:
        return bad_link(request, NOT_OURS)
    thread = None
    if thread_id is not subscriptions.EVERYTHING:
        thread = Comment.objects.select_related("review").filter(pk=thread_id).first()
    context = {"thread_id": thread_id, "thread": thread}
    if request.method != "POST":
        return TemplateResponse(request, "comments/unsubscribe.html", context)
    if request.POST.get("List-Unsubscribe") != ONE_CLICK:
        return bad_link(request, "To unsubscribe, press the button on the page this link opens.")
    subscriptions.unsubscribe(hashed, thread_id)
    return TemplateResponse(request, "comments/unsubscribed.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    try:
        comment = confirmation.comment_of(token)
    except confirmation.LinkExpired:
        return bad_link(
            request,
            "This confirmation link has expired, and the comment it was for will not be sent on. "
            "Send your comment again from the review's page: a new link will be mailed to you.",
        )
    except subscriptions.BadLink:
        return bad_link(request, NOT_OURS)
    if comment is None:
        return bad_link(request, "The comment this link was for is no longer here.", status=404)
    if comment.status != Comment.Status.UNCONFIRMED:
        return TemplateResponse(request, "comments/confirmed.html", {"comment": comment})
    if request.method != "POST":
        return TemplateResponse(request, "comments/confirm.html", {"comment": comment})
    confirmation.confirm(comment, notifications.site_url(request))
    comment.refresh_from_db(fields=["status"])
    if comment.status == Comment.Status.APPROVED:
        messages.success(
            request, "Thank you: your address is confirmed and your comment is published."
        )
    else:
        remember_pending(request, comment)
        messages.info(
            request, "Thank you: your address is confirmed. Your comment is awaiting moderation."
        )
    return redirect(address_on_its_page(request, comment))
