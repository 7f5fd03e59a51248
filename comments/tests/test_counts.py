"""Comment counts and the queries behind them: the approved count stored for the
listings and kept up to date by moderation, and listings and review pages whose query count
does not grow with the number of comments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.services import moderate, update_comment_counts
from comments.tests.helpers import (
    add_comment,
    bodies_shown,
    heading,
    parse,
    post_comment,
    stored_count,
)

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


def test_listing_cards_show_approved_comment_counts_without_a_query_per_review(client, make_review):
    busy, quiet, single = (make_review(headline=name) for name in ("Busy", "Quiet", "Single"))
    add_comment(busy)
    add_comment(busy)
    add_comment(busy, status=Comment.Status.PENDING)
    add_comment(busy, status=Comment.Status.SPAM)
    add_comment(single)

    def cards(response):
        return {
            card.find(class_="card__headline").text: card.find(class_="card__meta").text
            for card in parse(response).find_all("article", "card")
        }

    client.get(reverse("reviews:home"))  # the list's pages found once, into the cache
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("reviews:home"))
    for _ in range(6):
        add_comment(make_review())
    client.get(reverse("reviews:home"))  # and found again, with the new reviews
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reviews:home"))

    assert cards(response) == {"Busy": "2 comments", "Quiet": "0 comments", "Single": "1 comment"}
    assert len(many) == len(few)


def test_update_comment_counts_stores_each_reviews_approved_comments(review, make_review):
    other = make_review()
    for status in Comment.Status.values:
        # A removed comment is an empty placeholder (the database insists).
        body = "" if status == Comment.Status.REMOVED else f"A {status} comment."
        Comment.objects.create(review=review, body=body, status=status)
    Comment.objects.create(review=review, body="Another.", status=Comment.Status.APPROVED)

    update_comment_counts([review.pk, other.pk])

    assert (stored_count(review), stored_count(other)) == (2, 0)


def test_moderation_keeps_the_listing_count_up_to_date(
    client, review, moderator, django_capture_on_commit_callbacks
):
    post_comment(client, review, body="One.")
    post_comment(client, review, body="Two.")

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.all(), Comment.Status.APPROVED, moderator)
    approved = stored_count(review)
    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.filter(body="Two."), Comment.Status.SPAM, moderator)

    assert (approved, stored_count(review)) == (2, 1)


def test_the_review_page_query_count_does_not_grow_with_the_number_of_comments(
    client, review, django_assert_max_num_queries, settings
):
    settings.COMMENTS_THREADS_PER_PAGE = 1000  # every comment on the one page
    # The reader has a session with a pending comment in it, as anyone who has commented.
    post_comment(client, review, body="Mine, still pending.")
    add_comment(review, "The first approved comment.")

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(review.get_absolute_url())
        return len(queries), response

    few, _ = page_queries()
    for n in range(100):
        top = Comment.objects.create(review=review, body=f"Thread {n}.", status="approved")
        reply = Comment.objects.create(
            review=review, parent=top, body=f"Reply {n}.", status="approved"
        )
        Comment.objects.create(review=review, parent=reply, body=f"Deeper {n}.", status="approved")
    update_comment_counts([review.pk])
    many, response = page_queries()

    assert heading(response) == "301 responses"
    assert len(bodies_shown(response)) == 302
    assert many == few
    # The review with its film, credits, tags and the rest; the session; where each comment
    # stands, then the page's comments whole.
    with django_assert_max_num_queries(10):
        client.get(review.get_absolute_url())
