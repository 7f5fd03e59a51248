"""What a commenter gives that is never shown: the address, kept only as a keyed hash;
names that are email addresses, refused; and, crawling every public page as a stranger and as
the writer, no email, address, address hash or hidden comment anywhere."""

import hashlib
import io
import itertools
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from comments.models import Comment
from comments.services import address_hash, moderate, reply_as_staff
from comments.tests.helpers import field_error, parse, post_comment
from reviews.models import Credit, Person, Review

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


def test_an_address_is_stored_only_as_a_keyed_hash(client, review, settings):
    post_comment(client, review, address="198.51.100.77")

    comment = Comment.objects.get()
    stored = " ".join(str(value) for value in Comment.objects.values().get().values())
    assert "198.51.100.77" not in stored
    assert comment.ip_hash == address_hash("198.51.100.77")
    assert comment.ip_hash != hashlib.sha256(b"198.51.100.77").hexdigest()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert address_hash("198.51.100.77") != comment.ip_hash


def test_a_name_that_is_an_email_address_is_refused(client, review):
    response = post_comment(client, review, author_name="ruth@example.com")

    assert field_error(response, "author_name") == (
        "Give a name rather than an email address: the name is published."
    )
    assert not Comment.objects.exists()


# Every public page.


PRIVATE_PREFIXES = ("/admin/", "/static/", "/media/")


def crawl(client, limit=300):
    """Every page reachable by links from the home page, breadth first: ``{path: response}``."""
    pages, queue = {}, deque(["/"])
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in pages:
            continue
        response = client.get(path, follow=True)  # a comment's address leads to its page
        assert response.status_code == 200, path
        pages[path] = response
        for node in parse(response).descendants():
            href = node.attrs.get("href")
            if not href:
                continue
            url = urlsplit(urljoin(path, href))
            if url.scheme or url.netloc or url.path.startswith(PRIVATE_PREFIXES):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link not in pages:
                queue.append(link)
    return pages


VISITORS_NETWORK = "198.51.100."


def comment_on_every_review(reviews, moderator, editor):
    """Approved, pending, rejected, spam and staff comments on each review, each with its own
    email and address, sent through the form by one writer; returns the writer's browser."""
    writer = Client()
    addresses = (f"{VISITORS_NETWORK}{n}" for n in itertools.count(1))
    editor.email = "editor.private@example.com"
    editor.save()

    def send(review, kind, **fields):
        post_comment(
            writer,
            review,
            address=next(addresses),
            author_email=f"{kind}.{review.pk}@example.com",
            body=f"{kind.capitalize()} comment {review.pk}.",
            **fields,
        )
        return Comment.objects.get(author_email=f"{kind}.{review.pk}@example.com")

    for review in reviews:
        top = send(review, "approved", author_url="https://approved.example.org/", notify="on")
        moderate(Comment.objects.filter(pk=top.pk), Comment.Status.APPROVED, moderator)
        reply = send(review, "reply", parent=top.pk)
        moderate(Comment.objects.filter(pk=reply.pk), Comment.Status.APPROVED, moderator)
        send(review, "pending")
        for status in (Comment.Status.REJECTED, Comment.Status.SPAM):
            held = send(review, status)
            moderate(Comment.objects.filter(pk=held.pk), status, moderator)
        send(review, "honeypot", nickname="bot")
        reply_as_staff(Comment(parent=top, body=f"Staff reply {review.pk}."), editor)
    return writer


def assert_nothing_private_on(pages):
    """No stored email, address or address hash, and no comment readers may not see."""
    emails = set(Comment.objects.exclude(author_email="").values_list("author_email", flat=True))
    hashes = set(Comment.objects.exclude(ip_hash="").values_list("ip_hash", flat=True))
    assert "editor.private@example.com" in emails
    assert hashes
    for path, response in pages.items():
        content = response.content.decode().lower()
        leaks = [secret for secret in emails | hashes if secret.lower() in content]
        assert leaks == [], f"{path} shows {leaks}"
        assert VISITORS_NETWORK not in content, f"{path} shows an address"
        for kind in ("rejected", "spam", "honeypot"):
            assert f"{kind} comment" not in content, f"{path} shows a {kind} comment"


def test_no_email_or_address_appears_on_any_public_page(make_film, make_review, moderator, editor):
    film = make_film(title="Never Let Me Go", slug="never-let-me-go")
    director = Person.objects.create(name="Mark Romanek", slug="mark-romanek")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    reviews = [make_review(film=film, headline=f"Review {n}") for n in range(2)]
    reviews.append(make_review(headline="Another film"))
    for review in reviews:
        review.tags.add("drama")
    writer = comment_on_every_review(reviews, moderator, editor)

    crawl_as_readers_finding_nothing_private(reviews, writer)
    assert any("Pending comment" in response.text for response in crawl(writer).values())


def crawl_as_readers_finding_nothing_private(reviews, writer):
    """A fresh browser and the commenter's each crawl the site: every review, the films,
    people and tags, the staff's replies, and nothing private on any page."""
    for reader in (Client(), writer):
        pages = crawl(reader)
        assert {review.get_absolute_url() for review in reviews} <= set(pages)
        for kind in ("/films/", "/people/", "/tags/"):
            assert any(path.startswith(kind) for path in pages), kind
        assert any("Reply comment" in response.text for response in pages.values())
        assert_nothing_private_on(pages)


def test_no_email_or_address_appears_on_any_public_page_of_the_seeded_site(moderator, editor):
    call_command("seed", stdout=io.StringIO())
    reviews = list(Review.objects.published())
    assert reviews
    writer = comment_on_every_review(reviews, moderator, editor)

    crawl_as_readers_finding_nothing_private(reviews, writer)
