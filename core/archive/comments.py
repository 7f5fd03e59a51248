"""The archive's comments: a long tail on published reviews, replies, held and spam."""

import itertools
import time
from collections import Counter
from datetime import timedelta

from comments.models import Comment, Discussion
from comments.services import count_approved_comments
from comments.text import render_comment_text

from . import text
from .loading import insert_rows
from .sampling import pick, zipf_cum_weights

REPLY_SHARE = 0.42  # of comments that could be replies; about 30% of all end up replies
MAX_DEPTH = 2  # a reply to a reply, and no deeper
COMMENT_STATUSES = [  # (status, share, why held)
    (Comment.Status.PENDING, 0.03, None),
    (Comment.Status.SPAM, 0.01, None),
    (Comment.Status.REJECTED, 0.01, Comment.Reason.MODERATION),
    (Comment.Status.APPROVED, 0.95, Comment.Reason.MODERATION),
]
PENDING_REASONS = [
    (Comment.Reason.MODERATION, 0.85),
    (Comment.Reason.LINKS, 0.1),
    (Comment.Reason.TOO_FAST, 0.05),
]
SPAM_REASONS = [(Comment.Reason.BLOCKED_WORD, 0.7), (Comment.Reason.HONEYPOT, 0.3)]
SPAM_BODIES = [
    "Best casino bonus of the year, click https://spam.example.com/bonus now",
    "Cheap payday loan approved in minutes: https://spam.example.com/loan",
    "Great review!! Visit my site https://spam.example.com for casino bonus codes",
]


def build_comments(loader, total, reviews):
    """``total`` comments on the published reviews, a long tail of them: most reviews
    have a few, some have hundreds. About 30% are replies (on the same review, to an
    approved comment, at most two levels deep); 3% pending, 1% spam."""
    rng = loader.rng
    visible = [(pk, published) for pk, published, readable in reviews if readable]
    if not total or not visible:
        return
    # A Zipf-like share of the comments for each review, in a random order of reviews.
    shares = Counter(
        rng.choices(range(len(visible)), cum_weights=zipf_cum_weights(len(visible), 0.45), k=total)
    )
    ranks = list(range(len(visible)))
    rng.shuffle(ranks)
    commenters = make_commenters(rng, max(50, total // 20))
    commenter_weights = zipf_cum_weights(len(commenters), 0.8)
    bodies = [text.comment_text(rng) for _ in range(500)]
    bodies = [(body, render_comment_text(body)) for body in bodies]
    spam = [(body, render_comment_text(body)) for body in SPAM_BODIES]

    next_id = itertools.count(loader.next_id(Comment))
    batch, done, started = [], 0, time.perf_counter()
    # Review by review, in id order, so that inserts land near each other in the indexes.
    for rank, (review_id, published) in zip(ranks, visible, strict=True):
        count = shares.get(rank, 0)
        if not count:
            continue
        times = sorted(comment_time(rng, loader.now, published) for _ in range(count))
        answerable = []  # approved comments replies may answer: (id, depth, visible from)
        for submitted_at in times:
            comment = make_comment(
                loader,
                next(next_id),
                review_id,
                submitted_at,
                answerable,
                commenters,
                commenter_weights,
                bodies,
                spam,
            )
            batch.append(comment)
            if comment["status"] == Comment.Status.APPROVED and comment["depth"] < MAX_DEPTH:
                answerable.append((comment["id"], comment["depth"], comment["moderated_at"]))
        if len(batch) >= loader.batch_size:
            insert_rows(Comment, batch)
            done += len(batch)
            batch = []
            loader.progress("comments", done, total, started)
    insert_rows(Comment, batch)
    done += len(batch)
    loader.progress("comments", done, total, started)


def make_commenters(rng, count):
    """``(name, email, website)`` of readers who comment: a few comment very often."""
    people, seen = [], Counter()
    domains = ["example.com", "example.org", "example.net", "mail.example.com"]
    for _ in range(count):
        first, last = rng.choice(text.FIRST_NAMES), rng.choice(text.LAST_NAMES)
        handle = f"{first}.{last}".lower()
        seen[handle] += 1
        if seen[handle] > 1:
            handle += str(seen[handle])
        email = f"{handle}@{rng.choice(domains)}"
        name = "" if rng.random() < 0.02 else f"{first} {last}"
        website = f"https://{handle.replace('.', '')}.example.net" if rng.random() < 0.1 else ""
        people.append((name, email, website))
    return people


def comment_time(rng, now, published):
    """Most comments come in the first days after publication; some much later."""
    if rng.random() < 0.9:
        delay = timedelta(hours=rng.expovariate(1 / 48))
    else:
        delay = timedelta(seconds=rng.uniform(0, (now - published).total_seconds()))
    latest = max(published, now - timedelta(minutes=1))
    return min(published + delay + timedelta(seconds=30), latest)


def make_comment(
    loader, pk, review_id, submitted_at, answerable, commenters, weights, bodies, spam
):
    """One comment as a row for ``insert_rows``: its status, why it was held, its parent."""
    rng, now = loader.rng, loader.now
    status = pick(rng, COMMENT_STATUSES)
    held_reason = next(reason for s, _, reason in COMMENT_STATUSES if s == status)
    body, body_html = rng.choice(bodies)
    if status == Comment.Status.PENDING:
        held_reason = pick(rng, PENDING_REASONS)
    elif status == Comment.Status.SPAM:
        held_reason = pick(rng, SPAM_REASONS)
        body, body_html = rng.choice(spam)
    parent_id, depth = None, 0
    if answerable and rng.random() < REPLY_SHARE:
        # Readers answer a comment they can see, usually one of the latest.
        candidates = [c for c in answerable[-20:] if c[2] <= submitted_at]
        if candidates:
            parent_id, parent_depth, _ = rng.choice(candidates)
            depth = parent_depth + 1
    name, email, website = rng.choices(commenters, cum_weights=weights)[0]
    moderated_at = None
    if status != Comment.Status.PENDING:
        moderated_at = min(submitted_at + timedelta(minutes=rng.uniform(5, 36 * 60)), now)
    recent = submitted_at > now - timedelta(days=30)
    return {
        "id": pk,
        "review_id": review_id,
        "parent_id": parent_id,
        "depth": depth,
        "author_name": name,
        "author_email": email,
        "author_url": website,
        "body": body,
        "body_html": body_html,
        "status": status,
        "held_reason": held_reason,
        "notify": rng.random() < 0.15,
        "submitted_at": submitted_at,
        "ip_hash": f"{rng.getrandbits(256):064x}" if recent else "",
        "moderated_at": moderated_at,
    }


def count_comments(reviews):
    """Each new review's approved comments, counted in one UPDATE. Their pages were
    never shown: the listings are marked stale at the end of the build."""
    if not reviews:
        return
    first = min(pk for pk, *_ in reviews)
    count_approved_comments(Discussion.objects.filter(pk__gte=first))
