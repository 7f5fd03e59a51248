"""A reader's own comments, found by the email address they were sent from: a link signed
for that address and mailed to it, the listing and the JSON download it opens, and the
erasure. Nothing here says to anyone but the address's owner whether it sent comments."""

import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from core.models import Email

from . import notifications
from .models import Comment, Flag
from .services import address_hash, rate_limited, recount_after_commit

LINK_SALT = "comments.own-data"
LINK_MAX_AGE = 24 * 60 * 60
# Longer is no token this module signed: refused before the signature is even checked.
LONGEST_TOKEN = 500
REMOVED_KEEPS = {
    "status": Comment.Status.REMOVED,
    "author_name": "",
    "author_email": "",
    "author_url": "",
    "body": "",
    "body_html": "",
    "ip_hash": "",
    "held_reason": Comment.Reason.NONE,
    "has_spoilers": False,
    "notify": False,
    "user": None,
    "is_staff_reply": False,
    "is_review_author": False,
}


class LinkRefused(Exception):
    """The link is not one this site signed, or it is older than a day."""

    def __init__(self, expired=False):
        super().__init__("expired" if expired else "not valid")
        self.expired = expired


def normalised(address):
    """An address as comments store it: without surrounding spaces, lowercased."""
    return address.strip().lower()


def comments_from(address):
    """Every comment sent from this address, whatever its state, oldest first."""
    address = normalised(address)
    if not address:
        return Comment.objects.none()
    return (
        Comment.objects.filter(author_email=address)
        .exclude(status=Comment.Status.REMOVED)
        .select_related("review")
    )


def link_token(address):
    return signing.dumps(normalised(address), salt=LINK_SALT)


def address_from(token):
    """The address a link was signed for; ``LinkRefused`` if it is forged or expired."""
    if not isinstance(token, str) or not token or len(token) > LONGEST_TOKEN:
        raise LinkRefused()
    try:
        address = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkRefused(expired=True)
    except signing.BadSignature:
        raise LinkRefused()
    if not isinstance(address, str) or not address:
        raise LinkRefused()
    return address


def link_address(address, site=None):
    """The absolute address of the page listing this address's comments."""
    path = f"{reverse('comments:own_data')}?token={link_token(address)}"
    return notifications.absolute(path, site)


def ask_for_link(address, site=None):
    """Have the link to this address's comments mailed to it, if any were sent from it, by
    a task: the request does the same work whether or not they were, so that neither its
    answer nor the time it takes tells. (Where tasks run at once, in development and tests,
    the task runs in the request.)"""
    mail_link.enqueue(normalised(address), site)


@task()
def mail_link(address, site=None):
    """Record, in the outbox, an email to this address with the link to its comments, when
    comments were sent from it; nothing otherwise, nor when links to it were asked for too
    often (so that nobody floods an inbox with them)."""
    address = normalised(address)
    if rate_limited(address_hash(f"own-data-mail:{address}")):
        return
    if not comments_from(address).exists():
        return
    link = link_address(address, site)
    # A failure is logged, never shown: an error page would tell that the address is known.
    notifications.record(
        lambda: [
            Email(
                key=f"own-data-link:{uuid.uuid4().hex}",
                to=[address],
                subject=f"Your comments on {settings.SITE_NAME}",
                body=(
                    f"Someone, we hope you, asked to see the comments sent from this address "
                    f"to {settings.SITE_NAME}. This link shows them all, and lets you download "
                    f"them or erase them, for a day:\n\n{link}\n\n"
                    "If you did not ask, you can ignore this email: nothing is shown to "
                    "anyone without the link.\n"
                ),
            )
        ],
        "a reader's link to their comments",
    )


def export(address, site=None):
    """Everything kept about the comments sent from this address, as JSON-ready data."""
    return {
        "email": normalised(address),
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "comments": [exported(comment, site) for comment in comments_from(address)],
    }


def exported(comment, site):
    def moment(value):
        return value.isoformat(timespec="seconds") if value else None

    return {
        "id": comment.pk,
        "review": {
            "title": comment.review.headline,
            "address": notifications.absolute(comment.review.get_absolute_url(), site),
        },
        "in_reply_to": comment.parent_id,
        "name": comment.author_name,
        "email": comment.author_email,
        "website": comment.author_url,
        "text": comment.body,
        "contains_spoilers": comment.has_spoilers,
        "notify": comment.notify,
        "status": comment.status,
        "sent_at": moment(comment.submitted_at),
        "moderated_at": moment(comment.moderated_at),
    }


def export_json(address, site=None):
    return json.dumps(export(address, site), ensure_ascii=False, indent=2)


@dataclass
class Erasure:
    deleted: int  # comments gone
    placeholders: int  # of those, kept empty under others' replies
    emails: int  # outbox emails forgotten


def erase(address):
    """Delete every comment sent from this address, and every email in the outbox to it or
    about those comments. A comment someone else answered stays in its thread, emptied,
    as "removed by its author" (``Comment.Status.REMOVED``), so that the reply keeps its
    place; the reviews' counts and pages are brought up to date once this commits."""
    address = normalised(address)
    with transaction.atomic():
        mine = list(comments_from(address).values_list("pk", "parent_id", "review_id"))
        if not mine:
            return Erasure(0, 0, forget_emails(address, []))
        ids = {pk for pk, _, _ in mine}
        review_ids = {review_id for _, _, review_id in mine}
        needed, unneeded = placeholders(ids, review_ids)
        Flag.objects.filter(comment__in=needed).delete()
        Comment.objects.filter(pk__in=needed).update(**REMOVED_KEEPS)
        # Their replies are theirs too, or placeholders no longer needed: none is lost here.
        Comment.objects.filter(pk__in=unneeded).delete()
        emails = forget_emails(address, mine)
        recount_after_commit(review_ids)
    return Erasure(len(ids), len(needed & ids), emails)


def placeholders(ids, review_ids):
    """(the comments among ``ids`` and the reviews' earlier placeholders that must stay as
    placeholders because a live comment hangs below them, the rest of them)."""
    comments = Comment.objects.filter(review__in=review_ids).values_list(
        "pk", "parent_id", "status"
    )
    parents, going = {}, set(ids)
    for pk, parent_id, status in comments:
        parents[pk] = parent_id
        if status == Comment.Status.REMOVED:
            going.add(pk)
    needed = set()
    for pk in parents:
        if pk in going:
            continue
        parent = parents[pk]
        while parent in going and parent not in needed:
            needed.add(parent)
            parent = parents[parent]
    return needed, going - needed


def forget_emails(address, comments):
    """Delete the outbox's emails to this address and those about these comments
    (``(pk, parent_id, review_id)``): the moderators' notice of each, and the notice of a
    reply sent to the comment it answered. Returns how many."""
    keys = [f"comment-waiting:{pk}" for pk, _, _ in comments]
    keys += [f"reply:{pk}:{parent_id}" for pk, parent_id, _ in comments if parent_id]
    # The address as JSON text holds it: as typed (PostgreSQL) or escaped (SQLite).
    maybe_to = Q(to__icontains=address) | Q(to__icontains=json.dumps(address)[1:-1])
    to_them = [
        pk
        for pk, to in Email.objects.filter(maybe_to).values_list("pk", "to")
        if address in (normalised(recipient) for recipient in to)
    ]
    deleted, _ = Email.objects.filter(Q(pk__in=to_them) | Q(key__in=keys)).delete()
    return deleted
