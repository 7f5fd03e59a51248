"""A review's discussion: whether readers may comment, and the count the listings show.
The comments app keeps both; the review page and the cards are composed by the site."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import transaction
from django.test import Client
from django.urls import reverse

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment, Discussion
from reviews.models import Review
from reviews.views import ReviewDetailView
from tests.page_tree import parse_html


def page(response):
    return parse_html(response.content.decode())


def cards(response):
    return {
        card.find(class_="card__headline").text: card.find(class_="card__meta").text
        for card in page(response).find_all("article", "card")
    }


def stored_count(review):
    return Discussion.objects.get(review=review).approved_count


def approved_comment(review, body="Seen it twice."):
    return Comment.objects.create(review=review, body=body, status=Comment.Status.APPROVED)


def send_comment(client, review, **fields):
    data = {
        "author_name": "Ruth",
        "author_email": "ruth@example.com",
        "author_url": "",
        "body": "Quietly devastating.",
        "issued": signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT),
        "parent": "",
        "nickname": "",
        **fields,
    }
    return client.post(reverse("comments:post", args=[review.pk]), data)


def test_a_new_review_is_open_for_comments_with_none_counted(make_review):
    review = make_review()

    assert (review.discussion.is_open, review.discussion.approved_count) == (True, 0)


def test_an_approved_comment_saved_or_deleted_alone_is_counted_once_the_change_commits(
    make_review, django_capture_on_commit_callbacks
):
    review = make_review()

    with django_capture_on_commit_callbacks(execute=True):
        comment = approved_comment(review)
        approved_comment(review, "And a third time.")
    counted = stored_count(review)
    with django_capture_on_commit_callbacks(execute=True):
        comment.delete()

    assert (counted, stored_count(review)) == (2, 1)


def test_an_approved_comment_taken_down_by_a_plain_save_is_counted_out(
    make_review, django_capture_on_commit_callbacks
):
    review = make_review()
    with django_capture_on_commit_callbacks(execute=True):
        comment = approved_comment(review)
    counted = stored_count(review)

    with django_capture_on_commit_callbacks(execute=True):
        comment.status = Comment.Status.REJECTED
        comment.save()

    assert (counted, stored_count(review)) == (1, 0)


def test_a_comment_rolled_back_is_not_counted(make_review, django_capture_on_commit_callbacks):
    review = make_review()

    with django_capture_on_commit_callbacks(execute=True):
        approved_comment(review, "Kept.")
        with pytest.raises(RuntimeError), transaction.atomic():
            approved_comment(review, "Rolled back.")
            raise RuntimeError

    assert stored_count(review) == 1


def test_a_review_without_a_discussion_is_open_with_no_comments_until_one_is_approved(
    client, make_review, django_capture_on_commit_callbacks
):
    review = make_review(headline="Older than its discussion")
    Discussion.objects.filter(review=review).delete()

    before = cards(client.get(reverse("reviews:home")))
    review_page = page(client.get(review.get_absolute_url()))
    with django_capture_on_commit_callbacks(execute=True):
        approved_comment(review)

    assert before == {"Older than its discussion": "0 comments"}
    assert review_page.find(id="comments").find("form") is not None
    assert stored_count(review) == 1
    assert cards(client.get(reverse("reviews:home"))) == {"Older than its discussion": "1 comment"}


def test_the_reviews_own_page_knows_nothing_of_comments_and_the_sites_adds_them(rf, make_review):
    review = make_review(body="The review's own words.")
    request = rf.get(review.get_absolute_url())
    request.user = AnonymousUser()

    own = ReviewDetailView.as_view()(request, slug=review.slug).render()
    site = Client().get(review.get_absolute_url())

    assert page(own).find(class_="prose").text == "The review's own words."
    assert page(own).find(id="comments") is None
    assert page(site).find(class_="prose").text == "The review's own words."
    assert page(site).find(id="comments").find("h2").text == "0 responses"


def test_a_comment_to_fix_is_shown_on_the_review_page_with_the_review_in_view(client, make_review):
    review = make_review(headline="A quiet triumph", body="The review's own words.")

    response = send_comment(client, review, author_email="", body="Keep this text.")

    shown = page(response)
    assert response.status_code == 400
    assert shown.find("h1").text == "A quiet triumph"
    assert shown.find(class_="prose").text == "The review's own words."
    assert shown.find(id="comments").find("textarea").text.strip() == "Keep this text."
    assert not Comment.objects.exists()


def review_form_data(review, **fields):
    """What the admin's review form posts for ``review``, its inlines' management forms
    included."""
    data = {
        "film": str(review.film_id),
        "headline": review.headline,
        "slug": review.slug,
        "status": review.status,
        "publish_at_0": review.publish_at.strftime("%Y-%m-%d"),
        "publish_at_1": review.publish_at.strftime("%H:%M:%S"),
        "body": review.body,
        "rating": "",
        "tags": "",
        "comments_open": "on",
    }
    for prefix in ("pull_quotes", "further_reading"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def test_an_editor_closes_and_reopens_comments_on_the_reviews_own_form(client, editor, make_review):
    review = make_review(headline="Closing soon")
    change = reverse("admin:reviews_review_change", args=[review.pk])
    client.force_login(editor)

    form_shown = page(client.get(change)).find("input", name="comments_open")
    closed = client.post(change, review_form_data(review, comments_open=None))
    closed_page = page(Client().get(review.get_absolute_url()))
    closed_list = client.get(
        reverse("admin:reviews_review_changelist"), {"discussion__is_open__exact": "0"}
    )
    client.post(change, review_form_data(review))

    assert "checked" in form_shown.attrs
    assert closed.status_code == 302
    assert closed_page.find(class_="comments-closed").text == "Comments are closed."
    assert [a.text for a in page(closed_list).find_all("a") if a.attrs.get("href") == change][
        -1:
    ] == ["Closing soon"]
    assert Review.objects.get(pk=review.pk).discussion.is_open is True
