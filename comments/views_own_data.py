"""A reader's own comments, by a link mailed to their address (comments/own_data.py):
asking for it, the page it opens, the download and the erasure.

Each of these pages is the reader's own: never cached anywhere and kept out of search
engines; those behind the link send no Referer, so that its token does not leave the
page. The token travels in the query string (the request log writes only the path) and
in the forms' bodies."""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.visitors import client_ip

from . import notifications, own_data
from .email_views import bad_link
from .forms_own_data import EraseForm, LinkRequestForm
from .services import address_hash, rate_limited

STATE_WORDS = {
    "pending": "Awaiting moderation",
    "approved": "Published",
    "rejected": "Not published (rejected by a moderator)",
    "spam": "Not published (taken for spam)",
}


def private(view):
    """Never cached anywhere, and kept out of search engines."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)


def behind_the_link(view):
    """A page or form of the link's: private, and sending no Referer, since its address
    holds the token.

    No CSRF token either: with no Referer, browsers send the forms' ``Origin`` as
    ``null``, which Django's check refuses. The link's token does that check's work: a page
    on another site cannot know it, so it cannot make a reader's browser send it."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return csrf_exempt(private(wrapped))


@private
def request_link(request):
    """Ask for the link to one's comments; the answer is the same whether or not any were
    sent from the address."""
    form = LinkRequestForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if form.errors else 200
        return TemplateResponse(
            request, "comments/own_data/request.html", {"form": form}, status=status
        )
    if rate_limited(address_hash(f"own-data:{client_ip(request)}")):
        form.add_error(
            None,
            "You have asked for several links in a short time. "
            "Please wait a few minutes, then ask again.",
        )
        return TemplateResponse(
            request, "comments/own_data/request.html", {"form": form}, status=429
        )
    address = own_data.normalised(form.cleaned_data["email"])
    own_data.ask_for_link(address, notifications.site_url(request))
    return TemplateResponse(request, "comments/own_data/link_sent.html", {"address": address})


def refused(request, error):
    if error.expired:
        heading = "This link has expired"
        problem = "A link to your comments works for a day after it is sent, and this one is older."
    else:
        heading = "This link is not valid"
        problem = "This link is not one this site sent, or it was cut short when it was copied."
    return bad_link(
        request,
        problem,
        heading=heading,
        next_url=reverse("comments:own_data_request"),
        next_label="Ask for a new link",
    )


@behind_the_link
def listing(request):
    """Every comment sent from the address the link was signed for, whatever its state."""
    token = request.GET.get("token", "")
    try:
        address = own_data.address_from(token)
    except own_data.LinkRefused as error:
        return refused(request, error)
    return listing_page(request, address, token, EraseForm(initial={"token": token}))


def listing_page(request, address, token, erase_form, status=200):
    comments = list(own_data.comments_from(address))
    for comment in comments:
        comment.state_words = STATE_WORDS.get(comment.status, comment.get_status_display())
    context = {"address": address, "comments": comments, "token": token, "erase_form": erase_form}
    return TemplateResponse(request, "comments/own_data/listing.html", context, status=status)


@behind_the_link
@require_POST
def download(request):
    """All of it as a JSON file."""
    try:
        address = own_data.address_from(request.POST.get("token", ""))
    except own_data.LinkRefused as error:
        return refused(request, error)
    response = HttpResponse(
        own_data.export_json(address, notifications.site_url(request)),
        content_type="application/json; charset=utf-8",
    )
    name = slugify(settings.SITE_NAME) or "site"
    response["Content-Disposition"] = f'attachment; filename="my-comments-{name}.json"'
    return response


@behind_the_link
@require_POST
def erase(request):
    """Delete every comment sent from the address, once the reader confirms."""
    form = EraseForm(request.POST)
    try:
        address = own_data.address_from(form.data.get("token", ""))
    except own_data.LinkRefused as error:
        return refused(request, error)
    if not form.is_valid():
        return listing_page(request, address, form.data.get("token", ""), form, status=400)
    erasure = own_data.erase(address)
    return TemplateResponse(
        request, "comments/own_data/erased.html", {"address": address, "erasure": erasure}
    )
