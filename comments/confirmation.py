"""Confirmation by email (``COMMENTS_CONFIRM_EMAIL``), as django-comments-xtd does it: the
comment of someone whose address is not confirmed yet waits, unseen by the moderators,
until they follow a signed link mailed to them (valid ``COMMENTS_CONFIRM_DAYS``). Then
their address is remembered, as a keyed hash, and the comment, with any other of theirs
waiting so, goes where screening put it: the queue, or the page."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from core.models import Email

from . import notifications
from .models import Comment, ConfirmedAddress
from .subscriptions import BadLink, email_hash, email_hashes

CONFIRM_SALT = "comments.confirm"


class LinkExpired(Exception):
    """The link is ours, but older than COMMENTS_CONFIRM_DAYS."""


def is_confirmed(address):
    return ConfirmedAddress.objects.filter(email_hash__in=email_hashes(address)).exists()


def needs_confirmation(comment):
    """Whether this screened, unsaved comment from a reader waits for its writer to
    confirm their address; spam never does (nothing is mailed for it)."""
    return (
        settings.COMMENTS_CONFIRM_EMAIL
        and comment.status != Comment.Status.SPAM
        and not is_confirmed(comment.author_email)
    )


def hold(comment):
    """Keep the screened comment for its writer to confirm: its reason stays, to go by once
    they do (none: it is then published)."""
    if comment.status == Comment.Status.APPROVED:
        comment.held_reason = Comment.Reason.NONE
    comment.status = Comment.Status.UNCONFIRMED


def confirm_token(comment):
    return signing.dumps([comment.pk, email_hash(comment.author_email)], salt=CONFIRM_SALT)


def confirm_url(comment, site):
    return site + reverse("comments:confirm", args=[confirm_token(comment)])


def comment_of(token):
    """The comment a link is for (None when it is gone); BadLink if the link is not ours,
    LinkExpired if it is too old."""
    try:
        pk, hashed = signing.loads(
            token, salt=CONFIRM_SALT, max_age=timedelta(days=settings.COMMENTS_CONFIRM_DAYS)
        )
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadLink from error
    if not isinstance(pk, int) or not isinstance(hashed, str):
        raise BadLink
    comment = Comment.objects.select_related("review", "parent").filter(pk=pk).first()
    if comment is None or hashed not in email_hashes(comment.author_email):
        return None
    return comment


def ask(comment, site):
    """Mail the writer the link that confirms their address, in the open transaction."""
    days = settings.COMMENTS_CONFIRM_DAYS
    email = Email(
        key=f"comment-confirm:{comment.pk}",
        to=[comment.author_email],
        subject=f"Confirm your comment on “{comment.review.headline}”",
        body=f"Someone, we hope you, wrote this comment on “{comment.review.headline}” and "
        f"gave this email address:\n\n{comment.body[:1000]}\n\n"
        f"To send it on, confirm that the address is yours ({days} days to do it):\n\n"
        f"{confirm_url(comment, site)}\n\n"
        "Once it is confirmed, your later comments need no confirmation. If you did not "
        "write this, ignore this email: the comment will be deleted.\n",
    )
    notifications.record(lambda: [email], f"comment {comment.pk}")


def confirm(comment, site=None):
    """Remember the comment's address as confirmed and send on every comment of it waiting
    for that, each where screening put it, telling whoever needs to know. Returns them."""
    address = comment.author_email
    with transaction.atomic():
        ConfirmedAddress.objects.bulk_create(
            [ConfirmedAddress(email_hash=email_hash(address))], ignore_conflicts=True
        )
        waiting = (
            Comment.objects.filter(status=Comment.Status.UNCONFIRMED, author_email=address)
            .select_related("review", "parent")
            .select_for_update(of=("self",))
        )
        released = []
        for unconfirmed in waiting:
            held = unconfirmed.held_reason != Comment.Reason.NONE
            unconfirmed.status = Comment.Status.PENDING if held else Comment.Status.APPROVED
            unconfirmed.save(update_fields=["status"])
            if held:
                notifications.comment_waiting(unconfirmed, site)
            else:
                notifications.comment_approved(unconfirmed, site)
            released.append(unconfirmed)
    return released
