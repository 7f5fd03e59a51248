"""Commenters who want no more emails about comments, and the signed links that say so.

Every email to a commenter about their comments carries two links, to stop the emails about
its thread or every email about comments, and the headers of RFC 8058 that let a mail
client offer one-click unsubscribing (for every email). A link holds a keyed hash of the
address and the thread, signed; it never expires, and stays valid after ``SECRET_KEY``
changes while the old key is in ``SECRET_KEY_FALLBACKS``. Anyone holding the link can use
it, which is the point: no account, no sign-in."""

import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Comment, Unsubscription

UNSUBSCRIBE_SALT = "comments.unsubscribe"
EVERYTHING = None


class BadLink(Exception):
    """The link was not made by this site, or was changed."""


def email_hash(address, key=None):
    """A keyed hash of an email address, lowercased: the same address, the same hash."""
    key = (key or settings.SECRET_KEY).encode()
    return hmac.new(key, f"email:{address.strip().lower()}".encode(), hashlib.sha256).hexdigest()


def email_hashes(address):
    """The address's hash under the secret key and under each key it replaced, so that what
    was recorded before the key changed is still found."""
    return [
        email_hash(address, key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]


def signer():
    # No time in it: the link never expires.
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(address, thread_id=EVERYTHING):
    return signer().sign_object([email_hash(address), thread_id])


def read_token(token):
    """(address hash, thread id or EVERYTHING) from a token; BadLink if it is not ours."""
    try:
        hashed, thread_id = signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadLink from error
    if not isinstance(hashed, str) or not (thread_id is None or isinstance(thread_id, int)):
        raise BadLink
    return hashed, thread_id


def unsubscribe_url(site, address, thread_id=EVERYTHING):
    return site + reverse("comments:unsubscribe", args=[unsubscribe_token(address, thread_id)])


def unsubscribe(hashed, thread_id=EVERYTHING):
    """Record that this address wants no more emails about the thread (or any); doing it
    again changes nothing. A thread deleted meanwhile sends no more emails anyway."""
    if thread_id is not EVERYTHING and not Comment.objects.filter(pk=thread_id).exists():
        return
    Unsubscription.objects.bulk_create(
        [Unsubscription(email_hash=hashed, thread_id=thread_id)], ignore_conflicts=True
    )


def still_wanted(notices):
    """The notices, each ``(address, thread id, email)``, whose address has not unsubscribed
    from their thread or from everything, read in one query."""
    if not notices:
        return []
    hashes = {address: email_hashes(address) for address, _, _ in notices}
    unsubscribed = set(
        Unsubscription.objects.filter(
            email_hash__in={h for address_hashes in hashes.values() for h in address_hashes}
        ).values_list("email_hash", "thread_id")
    )
    return [
        (address, thread_id, email)
        for address, thread_id, email in notices
        if not any(
            (h, EVERYTHING) in unsubscribed or (h, thread_id) in unsubscribed
            for h in hashes[address]
        )
    ]


def headers(site, address):
    """RFC 2369's and RFC 8058's headers: a mail client's one-click unsubscribe, from every
    email about comments (what a reader pressing a client's button means)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(site, address)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def footer(site, address, thread_id):
    """The links at the foot of the email's text."""
    return (
        "\n-- \nYou get this email because you ticked “Email me” when you commented.\n"
        f"No more emails about this thread: {unsubscribe_url(site, address, thread_id)}\n"
        f"No more emails about comments at all: {unsubscribe_url(site, address)}\n"
    )


def thread_roots(comments):
    """For each comment, the id of the top-level comment of its thread, by comment id: read
    from the loaded parents, and for deeper ones one query per level above them."""
    roots, ancestors = {}, {}
    for comment in comments:
        parent = comment.parent if comment.parent_id else None
        if parent is None:
            roots[comment.pk] = comment.pk
        elif parent.parent_id is None:
            roots[comment.pk] = parent.pk
        else:
            ancestors[comment.pk] = parent.parent_id
    while ancestors:
        parents = dict(
            Comment.objects.filter(pk__in=set(ancestors.values())).values_list("pk", "parent_id")
        )
        climbing = {}
        for pk, ancestor in ancestors.items():
            above = parents.get(ancestor)
            if above is None:
                roots[pk] = ancestor
            else:
                climbing[pk] = above
        ancestors = climbing
    return roots
