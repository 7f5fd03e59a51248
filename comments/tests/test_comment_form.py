"""The comment form under a review: what it asks for; a sent comment awaiting moderation,
seen by its writer only and then by everyone; errors shown next to the field with everything
typed kept; and the form giving way when comments are closed.

Every test reads the page as a reader would (parsed HTML) or checks what was stored."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.services import moderate, set_comments_open
from comments.tests.helpers import (
    add_comment,
    bodies_shown,
    comment_item,
    field_error,
    form,
    heading,
    messages_shown,
    post_comment,
    section,
    stored_count,
    threads,
    typed,
)

# The rate limits count in the shared cache; no test may see another's counts.
pytestmark = pytest.mark.usefixtures("empty_cache")


def closed_by_the_editor(review):
    set_comments_open(review, False)
    return review


# The form.


def test_the_form_asks_for_name_email_and_comment_and_offers_an_optional_website(client, review):
    response = client.get(review.get_absolute_url())
    comment_form = form(response)

    labels = {
        label.attrs["for"]: label.text for label in comment_form.find_all("label") if label.text
    }
    assert labels["id_author_name"] == "Name *"
    assert labels["id_author_email"] == "Email *"
    assert labels["id_body"] == "Comment *"
    assert labels["id_author_url"] == "Website"
    assert comment_form.find(id="id_author_email_helptext").text == "Never published."
    assert comment_form.find(id="id_author_url_helptext").text == "Optional."
    assert "Required fields are marked *" in section(response).find(class_="form-note").text
    assert comment_form.attrs["action"].startswith(reverse("comments:post", args=[review.pk]))


def test_each_review_and_each_reader_get_their_own_form(client, review, make_review, settings):
    other = make_review(headline="Another review")
    first = form(client.get(review.get_absolute_url()))
    second = form(Client().get(other.get_absolute_url()))
    settings.COMMENTS_MAX_LENGTH = 300
    shorter = form(Client().get(review.get_absolute_url()))

    assert first.attrs["action"].startswith(reverse("comments:post", args=[review.pk]))
    assert second.attrs["action"].startswith(reverse("comments:post", args=[other.pk]))
    issued = [page.find(name="issued").attrs["value"] for page in (first, second, shorter)]
    assert len(set(issued)) == 3
    assert first.find(name="body").attrs["maxlength"] == "5000"
    assert shorter.find(name="body").attrs["maxlength"] == "300"


# Posting a comment.


def test_a_posted_comment_awaits_moderation_and_the_reader_is_told(client, review):
    response = post_comment(client, review, body="My first comment.", follow=True)

    comment = Comment.objects.get()
    assert response.redirect_chain[-1][0] == f"{review.get_absolute_url()}#comment-{comment.pk}"
    assert "Your comment is awaiting moderation" in messages_shown(response)
    assert (comment.status, comment.held_reason) == (
        Comment.Status.PENDING,
        Comment.Reason.MODERATION,
    )
    assert comment.author_email == "ruth@example.com"


def test_the_writer_sees_their_pending_comment_marked_as_pending(client, review):
    post_comment(client, review, body="Waiting for a moderator.")
    comment = Comment.objects.get()

    response = client.get(review.get_absolute_url())

    item = comment_item(response, comment)
    assert "comment--pending" in item.attrs["class"]
    assert item.find(class_="badge--pending").text == "Your comment is awaiting moderation"
    assert item.find(class_="comment__body").text == "Waiting for a moderator."
    assert item.find(class_="comment__reply") is None
    assert heading(response) == "0 responses"


def test_nobody_else_sees_a_pending_comment(client, review):
    post_comment(client, review, body="Waiting for a moderator.")

    response = Client().get(review.get_absolute_url())

    assert bodies_shown(response) == []
    assert "awaiting moderation" not in response.text


def test_a_pending_reply_appears_under_its_parent_for_its_writer(client, review):
    parent = add_comment(review, "The ending!", author_name="Kathy")

    post_comment(client, review, parent=parent.pk, body="Agreed.", author_name="Tommy")
    response = client.get(review.get_absolute_url())

    assert threads(response) == [("Kathy", "The ending!", [("Tommy", "Agreed.", [])])]
    assert Comment.objects.get(body="Agreed.").depth == 1


def test_once_approved_the_comment_is_shown_to_everyone_without_the_pending_mark(
    client, review, moderator, django_capture_on_commit_callbacks
):
    post_comment(client, review, body="Worth the wait.")
    comment = Comment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED, moderator)

    for reader in (client, Client()):
        response = reader.get(review.get_absolute_url())
        assert bodies_shown(response) == ["Worth the wait."]
        assert heading(response) == "1 response"
        assert comment_item(response, comment).find(class_="badge--pending") is None
    assert stored_count(review) == 1


# Errors.


def test_an_error_keeps_everything_typed_and_says_what_to_fix_next_to_the_field(client, review):
    response = post_comment(
        client,
        review,
        author_name="Ruth",
        author_email="not an address",
        author_url="https://ruth.example.org/",
        body="A long comment I would hate to lose.\n\nWith two paragraphs.",
        notify="on",
    )

    assert response.status_code == 400
    assert field_error(response, "author_email") == "Enter a valid email address."
    assert field_error(response, "body") == ""
    assert typed(response, "author_name") == "Ruth"
    assert typed(response, "author_email") == "not an address"
    assert typed(response, "author_url") == "https://ruth.example.org/"
    assert typed(response, "body") == "A long comment I would hate to lose.\n\nWith two paragraphs."
    assert typed(response, "notify") is True
    assert "field--error" in form(response).find(name="author_email").parent.attrs["class"]
    assert form(response).find(name="author_email").attrs["aria-invalid"] == "true"
    assert not Comment.objects.exists()


def test_the_form_shown_again_after_an_error_can_be_sent(client, review):
    refused = post_comment(client, review, author_email="", body="Second try.")

    data = {
        name: typed(refused, name)
        for name in ("author_name", "author_url", "body", "issued", "parent", "nickname")
    }
    data["author_email"] = "ruth@example.com"
    response = client.post(form(refused).attrs["action"], data, REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 302
    assert Comment.objects.get().body == "Second try."


def test_each_missing_required_field_is_explained(client, review):
    response = post_comment(client, review, author_name="", author_email="", body="   ")

    assert field_error(response, "author_name") == "Give a name to sign it with."
    assert field_error(response, "author_email") == (
        "Give your email address; it is never published."
    )
    assert field_error(response, "body") == "Write your comment."
    assert field_error(response, "author_url") == ""
    assert not Comment.objects.exists()


# Closed comments.


def test_comments_closed_by_the_editor_replace_the_form_and_keep_existing_comments(
    client, make_review
):
    review = closed_by_the_editor(make_review())
    add_comment(review, "Said before closing.")

    response = client.get(review.get_absolute_url())

    assert section(response).find(class_="comments-closed").text == "Comments are closed."
    assert section(response).find("form") is None
    assert bodies_shown(response) == ["Said before closing."]
    assert section(response).find(class_="comment__reply") is None


def test_comments_close_automatically_some_days_after_publication(client, make_review, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make_review(publish_at=timezone.now() - timedelta(days=31))
    recent = make_review(publish_at=timezone.now() - timedelta(days=29))
    add_comment(old, "From the first month.")

    old_page = client.get(old.get_absolute_url())
    recent_page = client.get(recent.get_absolute_url())

    assert section(old_page).find(class_="comments-closed").text == "Comments are closed."
    assert section(old_page).find("form") is None
    assert bodies_shown(old_page) == ["From the first month."]
    assert section(recent_page).find(class_="comments-closed") is None
    assert form(recent_page) is not None


def test_comments_stay_open_by_default_however_old_the_review(client, make_review):
    review = make_review(publish_at=timezone.now() - timedelta(days=3650))
    assert form(client.get(review.get_absolute_url())) is not None


def test_posting_to_a_review_with_closed_comments_is_refused(client, make_review, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    closed_by_editor = closed_by_the_editor(make_review())
    closed_by_age = make_review(publish_at=timezone.now() - timedelta(days=31))

    for review in (closed_by_editor, closed_by_age):
        response = post_comment(client, review, body="Too late.")
        assert section(response).find(class_="comments-closed").text == "Comments are closed."
    assert not Comment.objects.exists()
