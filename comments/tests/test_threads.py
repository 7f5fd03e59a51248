"""Comments as readers see them under a review: threads and replies in order, when each
was written, the count in the heading, the badges and signatures of staff and author replies,
and the reply links down to the thread depth.

Every test reads the page as a reader would (parsed HTML) or checks what was stored."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.services import moderate, reply_as_staff
from comments.tests.helpers import (
    add_comment,
    bodies_shown,
    comment_item,
    form,
    form_errors,
    heading,
    post_comment,
    section,
    threads,
    typed,
)

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


# Threads and replies.


def test_approved_comments_are_threaded_under_their_parents_oldest_first(client, review):
    now = timezone.now()
    later = add_comment(review, "Second thread.", author_name="Tommy", submitted_at=now)
    first = add_comment(
        review, "First thread.", author_name="Kathy", submitted_at=now - timedelta(hours=2)
    )
    add_comment(review, "Reply to Tommy.", author_name="Ruth", parent=later, submitted_at=now)
    reply = add_comment(
        review, "Reply to Kathy.", author_name="Miss Lucy", parent=first, submitted_at=now
    )
    add_comment(
        review,
        "Reply to the reply.",
        author_name="Madame",
        parent=reply,
        submitted_at=now + timedelta(minutes=1),
    )

    response = client.get(review.get_absolute_url())

    assert threads(response) == [
        (
            "Kathy",
            "First thread.",
            [("Miss Lucy", "Reply to Kathy.", [("Madame", "Reply to the reply.", [])])],
        ),
        ("Tommy", "Second thread.", [("Ruth", "Reply to Tommy.", [])]),
    ]


def test_each_comment_shows_when_it_was_written_in_the_sites_time_zone(client, review, settings):
    settings.TIME_ZONE = "Europe/London"
    written = datetime(2026, 7, 4, 20, 5, tzinfo=UTC)
    comment = add_comment(review, submitted_at=written)
    undated = add_comment(review)
    Comment.objects.filter(pk=undated.pk).update(submitted_at=None)  # as in the seed

    response = client.get(review.get_absolute_url())

    time_element = comment_item(response, comment).find("time")
    assert time_element.text == "4 July 2026, 21:05"
    assert time_element.attrs["datetime"] == "2026-07-04T21:05:00+0100"
    assert comment_item(response, undated).find("time") is None


def test_response_count_counts_approved_comments_only(client, review):
    add_comment(review, "Approved one.")
    add_comment(review, "Approved two.")
    add_comment(review, "Waiting.", status=Comment.Status.PENDING)
    add_comment(review, "Rejected.", status=Comment.Status.REJECTED)
    add_comment(review, "Spam.", status=Comment.Status.SPAM)

    response = client.get(review.get_absolute_url())

    assert heading(response) == "2 responses"
    assert bodies_shown(response) == ["Approved one.", "Approved two."]


def test_one_response_is_counted_in_the_singular(client, review):
    add_comment(review, "Alone.")
    assert heading(client.get(review.get_absolute_url())) == "1 response"


def test_pending_rejected_and_spam_comments_are_not_shown_to_readers(client, review):
    for status in (Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM):
        add_comment(review, f"A {status} comment.", status=status)

    response = client.get(review.get_absolute_url())

    assert heading(response) == "0 responses"
    assert bodies_shown(response) == []
    for status in ("pending", "rejected", "spam"):
        assert f"A {status} comment" not in response.text


def test_an_approved_reply_stays_on_the_page_when_its_parent_is_taken_down(
    client, review, moderator
):
    parent = add_comment(review, "Later found to be spam.")
    add_comment(review, "A reply worth keeping.", author_name="Tommy", parent=parent)

    moderate(Comment.objects.filter(pk=parent.pk), Comment.Status.SPAM, moderator)
    response = client.get(review.get_absolute_url())

    assert heading(response) == "1 response"
    assert threads(response) == [("Tommy", "A reply worth keeping.", [])]


# Replies by the review's author and by staff.


def test_replies_by_the_review_author_and_by_staff_are_marked(client, review, editor):
    question = add_comment(review, "Did you read the novel?", author_name="Ruth")
    by_author = add_comment(
        review, "I did, years ago.", author_name="Melissa", parent=question, is_review_author=True
    )
    by_staff = reply_as_staff(Comment(parent=question, body="We have a piece on it."), editor)

    response = client.get(review.get_absolute_url())

    assert comment_item(response, by_author).find(class_="badge").text == "Author"
    assert comment_item(response, by_staff).find(class_="badge").text == "Staff"
    assert (
        comment_item(response, question).find(class_="comment__meta").find(class_="badge") is None
    )


def test_a_staff_reply_is_signed_with_its_writers_name_as_it_is_now(client, review, editor):
    question = add_comment(review, "Who runs this site?", author_name="Ruth")
    reply = reply_as_staff(Comment(parent=question, body="A small team."), editor)
    signed_before = comment_item(client.get(review.get_absolute_url()), reply)

    editor.first_name, editor.last_name = "Edith", "Park"
    editor.save()
    signed_after = comment_item(client.get(review.get_absolute_url()), reply)

    assert signed_before.find(class_="comment__author").text == "editor"
    assert signed_after.find(class_="comment__author").text == "Edith Park"
    assert signed_after.find(class_="badge").text == "Staff"


def test_a_staff_reply_keeps_its_writers_name_when_their_account_is_deleted(client, review, editor):
    editor.first_name, editor.last_name = "Edith", "Park"
    editor.save()
    question = add_comment(review, "Who runs this site?", author_name="Ruth")
    reply = reply_as_staff(Comment(parent=question, body="A small team."), editor)

    editor.delete()

    page = client.get(review.get_absolute_url())
    assert comment_item(page, reply).find(class_="comment__author").text == "Edith Park"


def test_a_staff_reply_signed_with_a_chosen_name_keeps_it(client, review, editor):
    question = add_comment(review, "Who runs this site?", author_name="Ruth")
    reply = reply_as_staff(Comment(parent=question, body="Ask us.", author_name="The desk"), editor)
    editor.first_name = "Edith"
    editor.save()

    page = client.get(review.get_absolute_url())
    assert comment_item(page, reply).find(class_="comment__author").text == "The desk"


# Reply links and the thread depth.


def test_each_comment_has_a_reply_link_that_attaches_the_form_to_it(client, review):
    ruth = add_comment(review, "Heartbreaking.", author_name="Ruth")
    add_comment(review, "Too slow.", author_name="Tommy")

    page = client.get(review.get_absolute_url())
    link = comment_item(page, ruth).find(class_="comment__reply").find("a")
    assert link.text == "Reply"
    response = client.get(review.get_absolute_url() + link.attrs["href"])

    respond = section(response).find(id="respond")
    assert respond.find("h3").text == "Reply to Ruth"
    assert respond.find(class_="replying").text == "Cancel the reply"
    assert form(response).find(name="parent").attrs["value"] == str(ruth.pk)


def test_without_a_reply_target_the_form_starts_a_new_thread(client, review):
    response = client.get(review.get_absolute_url())

    assert section(response).find(id="respond").find("h3").text == "Leave a comment"
    assert typed(response, "parent") == ""


def test_reply_links_stop_at_the_thread_depth_of_three_by_default(client, review):
    top = add_comment(review, "Depth one.")
    middle = add_comment(review, "Depth two.", parent=top)
    deepest = add_comment(review, "Depth three.", parent=middle)

    response = client.get(review.get_absolute_url())

    assert comment_item(response, top).find(class_="comment__reply") is not None
    assert comment_item(response, middle).find(class_="comment__reply") is not None
    assert comment_item(response, deepest).find(class_="comment__reply") is None


def test_the_thread_depth_is_a_setting(client, review, settings):
    settings.COMMENTS_THREAD_DEPTH = 2
    top = add_comment(review, "Depth one.")
    reply = add_comment(review, "Depth two.", parent=top)

    response = client.get(review.get_absolute_url())
    refused = post_comment(client, review, parent=reply.pk, body="Depth three.")

    assert comment_item(response, top).find(class_="comment__reply") is not None
    assert comment_item(response, reply).find(class_="comment__reply") is None
    assert "Replies cannot go deeper here" in form_errors(refused)
    assert not Comment.objects.filter(body="Depth three.").exists()
